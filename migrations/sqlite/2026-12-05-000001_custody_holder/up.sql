-- Who may record an item's custody follows its custody: the agency that holds the
-- item (or last held it, once it was released, returned or destroyed) records what
-- a holder does. Derived from the custody log like the custodian; items already
-- logged take their custodian's agency, or the holder their final entry names.
ALTER TABLE evidence_items ADD COLUMN holder_agency_id TEXT REFERENCES agencies (id);
UPDATE evidence_items SET holder_agency_id = COALESCE(
    custodian_agency_id,
    (SELECT json_extract(e.canonical, '$.custodian_before.agency_id')
       FROM custody_entries e
      WHERE e.evidence_id = evidence_items.id
        AND e.entry_type IN ('released', 'returned', 'destroyed')
      ORDER BY e.seq DESC LIMIT 1));

-- An agency outside the case that held an item reads its history up to the receipt
-- that ended its custody (`until_seq`), and no further; NULL while it holds the item
-- or is receiving it.
ALTER TABLE evidence_access ADD COLUMN until_seq INTEGER;

-- Hash checks are judged as custody log format §8 says: algorithm names compared
-- after normalising (lower case, without spaces, hyphens and underscores), values as
-- lower-case hex, each check against the acquisition hash of its own algorithm.
-- Entries written before stay as they are; an item whose checks include one that
-- fails by that rule (an earlier version compared `sha-256` spelled so, only) gets
-- the integrity alert its verdict gives it.
UPDATE evidence_items SET integrity_alert = TRUE
WHERE NOT integrity_alert
  AND EXISTS (
    SELECT 1
      FROM custody_entries e,
           LATERAL (SELECT 'sha256' AS algorithm, lower(evidence_items.sha256) AS value
                     WHERE evidence_items.sha256 IS NOT NULL
                    UNION ALL
                    SELECT replace(replace(replace(lower(o.key), ' ', ''), '-', ''), '_', ''),
                           lower(o.value)
                      FROM jsonb_each_text(evidence_items.other_hashes::jsonb) o) AS acquired
     WHERE e.evidence_id = evidence_items.id
       AND e.entry_type = 'hash_verified'
       AND replace(replace(replace(lower(e.canonical::jsonb -> 'hash' ->> 'algorithm'),
               ' ', ''), '-', ''), '_', '') = acquired.algorithm
       AND lower(e.canonical::jsonb -> 'hash' ->> 'value') <> acquired.value);

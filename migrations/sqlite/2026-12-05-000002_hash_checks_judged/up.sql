-- Hash checks are judged as custody log format §8 says: algorithm names compared
-- after normalising (lower case, without spaces, hyphens and underscores), values as
-- lower-case hex, each check against the acquisition hash of its own algorithm.
-- Entries written before stay as they are; an item whose checks include one that
-- fails by that rule (an earlier version compared `sha-256` spelled so, only) gets
-- the integrity alert its verdict gives it.
UPDATE evidence_items SET integrity_alert = 1
WHERE integrity_alert = 0
  AND EXISTS (
    SELECT 1
      FROM custody_entries e,
           (SELECT 'sha256' AS algorithm, lower(evidence_items.sha256) AS value
             WHERE evidence_items.sha256 IS NOT NULL
            UNION ALL
            SELECT replace(replace(replace(lower(o.key), ' ', ''), '-', ''), '_', ''),
                   lower(o.value)
              FROM json_each(evidence_items.other_hashes) o) AS acquired
     WHERE e.evidence_id = evidence_items.id
       AND e.entry_type = 'hash_verified'
       AND replace(replace(replace(lower(json_extract(e.canonical, '$.hash.algorithm')),
               ' ', ''), '-', ''), '_', '') = acquired.algorithm
       AND lower(json_extract(e.canonical, '$.hash.value')) <> acquired.value);

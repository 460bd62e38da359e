-- A histogram measure's counters (one per bucket) gathered in one row per state,
-- counterpart, quarter and first dimension: `entries` holds a line per tally,
-- `dim2 TAB dim3 TAB bucket TAB delta`, appended as the ledger commits the events
-- (see src/ledger/tally.rs). A read of a whole distribution (a year's turnaround)
-- takes these few rows instead of a counter per bucket; the counters stay, and both
-- are written from the same tallies in the same transaction.
CREATE TABLE figure_histograms (
    measure TEXT NOT NULL,
    country TEXT NOT NULL,
    counterpart TEXT NOT NULL,
    quarter TEXT NOT NULL,
    dim1 TEXT NOT NULL,
    entries TEXT NOT NULL,
    PRIMARY KEY (measure, country, counterpart, quarter, dim1)
);
CREATE INDEX figure_histograms_by_quarter ON figure_histograms (measure, quarter);
-- The histograms of the counters already kept (the only histogram measure so far).
INSERT INTO figure_histograms (measure, country, counterpart, quarter, dim1, entries)
SELECT measure, country, counterpart, quarter, dim1,
       string_agg(dim2 || E'\t' || dim3 || E'\t' || bucket || E'\t' || count || E'\n', ''
                  ORDER BY dim2, dim3, bucket)
FROM figures
WHERE measure = 'turnaround' AND count <> 0
GROUP BY measure, country, counterpart, quarter, dim1;

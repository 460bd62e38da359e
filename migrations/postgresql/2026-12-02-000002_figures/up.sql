-- The region's figures: counters the ledger changes in the same commit as the
-- events they count (see src/ledger/tally.rs). A figure is read from here, never by
-- scanning the history. `counterpart` is the other state of a pair, empty when none;
-- `dim1`..`dim3` are the measure's dimensions, empty when unused; `bucket` is a
-- turnaround in tenths of a day for the turnaround measures, 0 for plain counts.
CREATE TABLE figures (
    measure TEXT NOT NULL,
    country TEXT NOT NULL,
    counterpart TEXT NOT NULL,
    quarter TEXT NOT NULL,
    dim1 TEXT NOT NULL,
    dim2 TEXT NOT NULL,
    dim3 TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (measure, country, counterpart, quarter, dim1, dim2, dim3, bucket)
);
CREATE INDEX figures_by_quarter ON figures (measure, quarter);

-- 0006: the value counts of a published version's columns, computed once by the build-indexes
-- job (a published version never changes), so that a facet over the whole table reads a few
-- rows here instead of grouping every row of the version. Only columns with at most 1,000
-- distinct values are stored, and then all of their values: a column with rows here has its
-- complete counts; a column without rows is answered by grouping its rows.
-- Not moved by `socle export`: the importer's index job computes them again.
CREATE TABLE version_facet_value (
    version_id      BIGINT NOT NULL REFERENCES version (version_id) ON DELETE CASCADE,
    -- The column's position in the version's columns (0-based, as `c<position>`).
    position        INTEGER NOT NULL,
    -- 0-based position in the facet order: count descending, then value ascending, as the
    -- records engine's own `GROUP BY … ORDER BY count(*) DESC, value ASC` gave it.
    rank            INTEGER NOT NULL,
    -- The value exactly as the grouping query returned it, in the one column of its type, so
    -- that it reads back as the same SQL value (the others are NULL; no value is NULL).
    value_integer   BIGINT,
    value_real      DOUBLE PRECISION,
    value_text      TEXT COLLATE "C",
    count           BIGINT NOT NULL,
    PRIMARY KEY (version_id, position, rank)
);

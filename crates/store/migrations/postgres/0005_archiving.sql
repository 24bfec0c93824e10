-- 0005: organisations and resources can be archived, as datasets already can: still readable,
-- their history kept, but no longer current (an archived resource takes no new publication; an
-- archived organisation publishes no new dataset). NULL: current.
ALTER TABLE organisation ADD COLUMN archived_at TEXT;
ALTER TABLE resource ADD COLUMN archived_at TEXT;

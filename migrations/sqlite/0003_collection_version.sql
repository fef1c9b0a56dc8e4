-- Bumped whenever a collection's indexes change, so that readers may cache
-- the index list and notice in the same query when it went stale.
ALTER TABLE collections ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

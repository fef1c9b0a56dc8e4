-- Bumped whenever a collection's indexes change, so that readers (on every
-- instance) may cache the index list and notice in the same query when it
-- went stale.
ALTER TABLE collections ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

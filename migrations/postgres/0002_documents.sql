-- Documents: every collection in one set of tables (SQLite table names are
-- case-insensitive and PostgreSQL cuts identifiers at 63 bytes, so
-- collections are rows, not tables).
CREATE TABLE collections (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- seq is the insertion order (and the tie-break of every sort); id_key is
-- the order-preserving encoding of _id (so 1 and 1.0 are one _id); body is
-- the document's exact JSON text: jsonb would reorder keys, turn 1e+16 into
-- an integer and refuse \u0000.
CREATE TABLE documents (
    seq           BIGSERIAL PRIMARY KEY,
    collection_id BIGINT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    id_key        BYTEA NOT NULL,
    body          TEXT NOT NULL,
    etag          TEXT NOT NULL,
    CONSTRAINT documents_id_unique UNIQUE (collection_id, id_key)
);
CREATE INDEX documents_by_collection ON documents (collection_id, seq);

CREATE TABLE indexes (
    id            BIGSERIAL PRIMARY KEY,
    collection_id BIGINT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    keys          TEXT NOT NULL,
    is_unique     BOOLEAN NOT NULL,
    UNIQUE (collection_id, name)
);

-- One row per (index, key, document); arrays give one entry per element.
-- unique_key repeats key for unique indexes and is NULL otherwise, so the
-- constraint below is exactly MongoDB's unique index.
CREATE TABLE index_entries (
    index_id   BIGINT NOT NULL REFERENCES indexes (id) ON DELETE CASCADE,
    key        BYTEA NOT NULL,
    doc_seq    BIGINT NOT NULL REFERENCES documents (seq) ON DELETE CASCADE,
    unique_key BYTEA,
    PRIMARY KEY (index_id, key, doc_seq),
    CONSTRAINT index_entries_unique UNIQUE (index_id, unique_key)
);
CREATE INDEX index_entries_by_doc ON index_entries (doc_seq);

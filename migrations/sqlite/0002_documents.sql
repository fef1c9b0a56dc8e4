-- Documents: every collection in one set of tables (SQLite table names are
-- case-insensitive and PostgreSQL cuts identifiers at 63 bytes, so
-- collections are rows, not tables).
CREATE TABLE collections (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- seq is the insertion order (and the tie-break of every sort); id_key is
-- the order-preserving encoding of _id (so 1 and 1.0 are one _id); body is
-- the document's exact JSON text, never a JSON type that would reorder keys
-- or round big integers.
CREATE TABLE documents (
    seq           INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    id_key        BLOB NOT NULL,
    body          TEXT NOT NULL,
    etag          TEXT NOT NULL,
    UNIQUE (collection_id, id_key)
);
CREATE INDEX documents_by_collection ON documents (collection_id, seq);

CREATE TABLE indexes (
    id            INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    keys          TEXT NOT NULL,
    is_unique     INTEGER NOT NULL,
    UNIQUE (collection_id, name)
);

-- One row per (index, key, document); arrays give one entry per element.
-- unique_key repeats key for unique indexes and is NULL otherwise, so the
-- UNIQUE constraint below is exactly MongoDB's unique index.
CREATE TABLE index_entries (
    index_id   INTEGER NOT NULL REFERENCES indexes (id) ON DELETE CASCADE,
    key        BLOB NOT NULL,
    doc_seq    INTEGER NOT NULL REFERENCES documents (seq) ON DELETE CASCADE,
    unique_key BLOB,
    PRIMARY KEY (index_id, key, doc_seq),
    UNIQUE (index_id, unique_key)
) WITHOUT ROWID;
CREATE INDEX index_entries_by_doc ON index_entries (doc_seq);

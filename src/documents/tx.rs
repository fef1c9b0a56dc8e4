//! [`Tx`]: the primitive steps of a write, inside one transaction. Each
//! backend implements them once (SQLite on its writer thread, PostgreSQL
//! on a blocking thread driving sqlx); the write logic in
//! [`super::write`] is written once over them, so both backends apply
//! exactly the same rules.

use std::ops::ControlFlow;

use super::{
    error::Result,
    model::{Entry, LoadedIndex, PreparedDoc},
    plan::Plan,
};

/// A row handed to a scan callback: (seq, body, etag), owned so the body
/// text can become the answer without another copy.
pub(crate) type RowSink<'a> = dyn FnMut(i64, String, String) -> Result<ControlFlow<()>> + 'a;

/// One open write transaction.
pub(crate) trait Tx {
    /// The collection's id, if it exists.
    fn collection_id(&mut self, name: &str) -> Result<Option<i64>>;
    /// The collection's id, creating the collection if needed.
    fn ensure_collection(&mut self, name: &str) -> Result<i64>;
    /// Serialises against index changes: shared for document writes,
    /// exclusive for index builds and drops (a no-op where the backend
    /// already has a single writer).
    fn lock_collection(&mut self, id: i64, exclusive: bool) -> Result<()>;
    /// The collection's secondary indexes.
    fn indexes(&mut self, collection: i64) -> Result<Vec<LoadedIndex>>;
    /// Feeds the plan's candidates in insertion order, locking them for update.
    fn scan(&mut self, collection: i64, plan: &Plan, sink: &mut RowSink<'_>) -> Result<()>;
    /// Inserts a document; a duplicate `_id` is `DuplicateKey`. Returns its seq.
    fn insert_doc(&mut self, collection: i64, doc: &PreparedDoc) -> Result<i64>;
    /// Rewrites a document in place (same seq, same `_id`).
    fn update_doc(&mut self, seq: i64, doc: &PreparedDoc) -> Result<()>;
    /// Deletes a document and its index entries.
    fn delete_doc(&mut self, seq: i64) -> Result<()>;
    /// Writes index entries; a unique violation is `DuplicateKey` naming the index.
    fn insert_entries(&mut self, seq: i64, entries: &[Entry], indexes: &[LoadedIndex]) -> Result<()>;
    /// Removes a document's index entries.
    fn delete_entries(&mut self, seq: i64) -> Result<()>;
    /// Drops a collection with its documents and indexes.
    fn drop_collection(&mut self, collection: i64) -> Result<()>;
    /// Records a new index; returns its id.
    fn insert_index(&mut self, collection: i64, name: &str, keys: &str, unique: bool) -> Result<i64>;
    /// Drops an index and its entries.
    fn drop_index(&mut self, index: i64) -> Result<()>;
    /// Marks the collection's index list as changed (readers' caches see it).
    fn bump_version(&mut self, collection: i64) -> Result<()>;
}

//! `DocumentsError`: everything that can go wrong with a document request,
//! each with its HTTP status and problem slug (see [`crate::http::problem`]).

use squall_query::QueryError;

use crate::store::StoreError;

/// Errors of the documents capability.
#[derive(Debug, thiserror::Error)]
pub enum DocumentsError {
    /// A collection name outside `^[A-Za-z0-9_-]{1,64}$`.
    #[error("collection name {0:?} is invalid: use 1 to 64 of A-Z a-z 0-9 _ -")]
    InvalidCollectionName(String),
    /// An index name outside the same rule.
    #[error("index name {0:?} is invalid: use 1 to 64 of A-Z a-z 0-9 _ -")]
    InvalidIndexName(String),
    /// A filter, sort, projection, update or option that cannot be used.
    #[error("{0}")]
    InvalidQuery(QueryError),
    /// A document that breaks the rules (keys, `_id`, depth, integers).
    #[error("{0}")]
    InvalidDocument(QueryError),
    /// A document whose JSON text exceeds `limits.max_document_bytes`.
    #[error("{path}: the document is {size} bytes; the limit is {limit} (limits.max_document_bytes)")]
    DocumentTooLarge {
        /// Which document.
        path: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: u64,
    },
    /// No document with that `_id`.
    #[error("no document with _id {id} in collection {collection}")]
    NotFound {
        /// The collection.
        collection: String,
        /// The `_id`, as JSON.
        id: String,
    },
    /// `_id` or a unique index would hold a key twice.
    #[error("duplicate key: {0}")]
    DuplicateKey(String),
    /// `If-Match` did not match (or the document is missing).
    #[error("{0}")]
    PreconditionFailed(String),
    /// An index of that name exists with other keys or uniqueness.
    #[error("{0}")]
    IndexConflict(String),
    /// No index of that name.
    #[error("no index named {name:?} on collection {collection}")]
    IndexNotFound {
        /// The collection.
        collection: String,
        /// The index.
        name: String,
    },
    /// The built-in `_id_` index cannot be dropped or redefined.
    #[error("the _id_ index is built in and cannot be dropped or redefined")]
    IdIndexIsBuiltIn,
    /// The storage layer failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DocumentsError {
    /// An invalid query part at `path`.
    pub fn query(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidQuery(QueryError::new(path, message))
    }
}

impl From<rusqlite::Error> for DocumentsError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sqlite(e))
    }
}

impl From<sqlx::Error> for DocumentsError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Postgres(e))
    }
}

/// Result alias of this layer.
pub type Result<T, E = DocumentsError> = std::result::Result<T, E>;

//! The single error type of the crate: a message tied to the path of the
//! offending input (e.g. `filter.$or[1].age.$gt`).

/// An invalid filter, sort, projection, update or document.
///
/// `path` names the offending part of the input, starting with the prefix the
/// caller supplied (e.g. `filter.$or[1].age.$gt`); `message` says what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct QueryError {
    /// Where in the input the problem is.
    pub path: String,
    /// What is wrong, in words a client can act on.
    pub message: String,
}

impl QueryError {
    /// Builds an error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        QueryError { path: path.into(), message: message.into() }
    }
}

/// Shorthand for `Err(QueryError::new(path, message))`.
pub(crate) fn err<T>(path: &str, message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError::new(path, message))
}

/// Joins a path prefix and a key with a dot (no dot when the prefix is empty).
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") }
}

/// Joins a path prefix and an array index: `prefix[i]`.
pub(crate) fn join_index(prefix: &str, i: usize) -> String {
    format!("{prefix}[{i}]")
}

//! Update documents (`$set`, `$inc`, ...): parsing and validation here,
//! application in `apply`.

use serde_json::Value;

use crate::{Document, Filter, QueryError};
use crate::error::err;

/// A parsed update document.
#[derive(Debug, Clone)]
pub struct Update {}

impl Update {
    /// Parses an update document.
    pub fn parse(_v: &Value, prefix: &str) -> Result<Update, QueryError> {
        err(prefix, "not yet supported")
    }

    /// Applies to `doc` in place; returns Ok(true) if the document changed.
    pub fn apply(&self, _doc: &mut Document, _is_insert: bool) -> Result<bool, QueryError> {
        Ok(false)
    }

    /// The seed document for an upsert.
    pub fn upsert_seed(_filter: &Filter) -> Document {
        Document::new()
    }
}

//! squall-query: MongoDB's query language (filter, sort, projection, update,
//! document rules and order-preserving index keys) over JSON documents.
//!
//! Documents are `serde_json::Map<String, Value>` with field order preserved.
//! Every rule follows the MongoDB 7/8 manual; deviations are documented on the
//! item that has them.

mod document;
mod error;
mod filter;
mod keys;
mod path;
mod plan;
mod projection;
mod sort;
mod update;
mod value;

pub use document::{check_integer_range, validate_document, validate_document_at};
pub use error::QueryError;
pub use filter::Filter;
pub use keys::{IndexSpec, encode_key};
pub use plan::{KeyBound, KeyRange, key_successor};
pub use projection::Projection;
pub use sort::{Sort, SortDirection};
pub use update::Update;
pub use value::{BsonType, bson_type, compare_values, values_equal};

/// A JSON document: an object whose field order is preserved.
pub type Document = serde_json::Map<String, serde_json::Value>;

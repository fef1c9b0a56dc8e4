//! Shared helpers for the integration tests.
#![allow(dead_code, unreachable_pub)]

use serde_json::Value;
use squall_query::{Document, Filter};

/// The object inside `v` (panics in tests only).
pub fn doc(v: Value) -> Document {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// Whether `filter` matches `d` (panics on a parse error).
pub fn matches(filter: &Value, d: &Value) -> bool {
    let f = Filter::parse(filter, "filter").unwrap_or_else(|e| panic!("{filter}: {e}"));
    f.matches(&doc(d.clone()))
}

//! Dotted-path traversal with MongoDB's implicit array rules, in the two
//! flavours the crate needs: the matcher's (values or "missing" at a path,
//! arrays at the leaf left whole) and the index/sort key generator's (leaf
//! arrays expanded into their elements, missing as null, empty arrays as
//! undefined).

use serde_json::{Map, Value};

/// One value found at a path by the matcher.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Item<'a> {
    /// The path does not exist here (matches `null`, `$exists: false`).
    Missing,
    /// A value (an array here is the leaf array, expanded by the predicate).
    Val(&'a Value),
}

/// Parses a path component as an array index (digits only, as MongoDB does).
pub(crate) fn as_index(part: &str) -> Option<usize> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// Splits a dotted path into its components.
pub(crate) fn split(path: &str) -> Vec<String> {
    path.split('.').map(str::to_string).collect()
}

/// Everything the matcher sees at `parts` in `doc`.
///
/// Objects missing the field give `Missing`; scalars in the middle of the
/// path give `Missing`; arrays in the middle are traversed into their object
/// elements (non-object elements give nothing), and a numeric component also
/// selects that position. An array reached at the end is returned whole.
pub(crate) fn collect<'a>(doc: &'a Map<String, Value>, parts: &[String]) -> Vec<Item<'a>> {
    let mut out = Vec::new();
    walk_obj(doc, parts, &mut out);
    out
}

fn walk_obj<'a>(m: &'a Map<String, Value>, parts: &[String], out: &mut Vec<Item<'a>>) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    match m.get(first) {
        None => out.push(Item::Missing),
        Some(v) => walk_val(v, rest, out),
    }
}

fn walk_val<'a>(v: &'a Value, rest: &[String], out: &mut Vec<Item<'a>>) {
    if rest.is_empty() {
        out.push(Item::Val(v));
        return;
    }
    match v {
        Value::Object(m) => walk_obj(m, rest, out),
        Value::Array(a) => walk_arr(a, rest, out),
        _ => out.push(Item::Missing),
    }
}

fn walk_arr<'a>(a: &'a [Value], rest: &[String], out: &mut Vec<Item<'a>>) {
    let Some((first, after)) = rest.split_first() else {
        return;
    };
    let idx = as_index(first);
    for (i, e) in a.iter().enumerate() {
        if idx == Some(i) {
            if after.is_empty() {
                out.push(Item::Val(e));
            } else if let Value::Object(m) = e {
                walk_obj(m, after, out);
            }
        } else if let Value::Object(m) = e {
            walk_obj(m, rest, out);
        }
    }
}

/// One key value produced by the index/sort key generator.
#[derive(Debug, Clone, Copy)]
pub(crate) enum KeyVal<'a> {
    /// An empty array at the end of the path (sorts below null).
    Undefined,
    /// A missing field (indexed and sorted as null).
    Null,
    /// A value (never an array unless nested inside the leaf array).
    Val(&'a Value),
}

/// The key values of `parts` in `doc`, plus every array prefix traversed
/// (as a component count: 1 means `parts[0]` held an array).
///
/// Leaf arrays give one value per element (an empty one gives `Undefined`),
/// missing fields and scalars in the middle of the path give `Null`, arrays
/// in the middle are traversed into every element (non-objects give `Null`),
/// and a numeric component also selects that position. Never empty.
pub(crate) fn key_values<'a>(
    doc: &'a Map<String, Value>,
    parts: &[String],
    arrays: &mut Vec<usize>,
) -> Vec<KeyVal<'a>> {
    let mut out = Vec::new();
    key_obj(doc, parts, 0, &mut out, arrays);
    if out.is_empty() {
        out.push(KeyVal::Null);
    }
    out
}

fn key_obj<'a>(
    m: &'a Map<String, Value>,
    parts: &[String],
    at: usize,
    out: &mut Vec<KeyVal<'a>>,
    arrays: &mut Vec<usize>,
) {
    match parts.get(at).and_then(|p| m.get(p)) {
        None => out.push(KeyVal::Null),
        Some(v) => key_val(v, parts, at + 1, out, arrays),
    }
}

fn key_val<'a>(v: &'a Value, parts: &[String], at: usize, out: &mut Vec<KeyVal<'a>>, arrays: &mut Vec<usize>) {
    match v {
        Value::Array(a) if at >= parts.len() => {
            arrays.push(at);
            if a.is_empty() {
                out.push(KeyVal::Undefined);
            }
            out.extend(a.iter().map(KeyVal::Val));
        }
        _ if at >= parts.len() => out.push(KeyVal::Val(v)),
        Value::Object(m) => key_obj(m, parts, at, out, arrays),
        Value::Array(a) => {
            arrays.push(at);
            if a.is_empty() {
                out.push(KeyVal::Null);
            }
            let idx = parts.get(at).and_then(|p| as_index(p));
            for (i, e) in a.iter().enumerate() {
                if idx == Some(i) {
                    key_positional(e, parts, at + 1, out, arrays);
                }
                match e {
                    Value::Object(m) => key_obj(m, parts, at, out, arrays),
                    _ if idx.is_some() => {}
                    _ => out.push(KeyVal::Null),
                }
            }
            if idx.is_some_and(|i| i >= a.len()) {
                out.push(KeyVal::Null);
            }
        }
        _ => out.push(KeyVal::Null),
    }
}

fn key_positional<'a>(e: &'a Value, parts: &[String], at: usize, out: &mut Vec<KeyVal<'a>>, arrays: &mut Vec<usize>) {
    if at >= parts.len() {
        key_val(e, parts, at, out, arrays);
    } else if let Value::Object(m) = e {
        key_obj(m, parts, at, out, arrays);
    } else {
        out.push(KeyVal::Null);
    }
}

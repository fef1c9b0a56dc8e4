//! Sort specifications: `{"field": 1 | -1, ...}` over dotted paths, in
//! MongoDB's cross-type order, with array fields sorted by their smallest
//! (ascending) or largest (descending) element and empty arrays below null.

use std::cmp::Ordering;

use serde_json::Value;

use crate::error::{err, join};
use crate::path::{KeyVal, key_values, split};
use crate::value::{Num, compare_values, num};
use crate::{Document, QueryError};

/// A sort or index direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortDirection {
    /// `1`: smallest first.
    Ascending,
    /// `-1`: largest first.
    Descending,
}

/// A parsed sort specification.
#[derive(Debug, Clone, Default)]
pub struct Sort {
    fields: Vec<(String, SortDirection)>,
    parts: Vec<Vec<String>>,
}

/// Checks a dotted field path used by sort, projection and index specs:
/// no empty component, no component starting with `$`.
pub(crate) fn check_field_path(path: &str, at: &str) -> Result<(), QueryError> {
    if path.is_empty() {
        return err(at, "field path cannot be empty");
    }
    for part in path.split('.') {
        if part.is_empty() {
            return err(at, "field path cannot contain an empty component");
        }
        if part.starts_with('$') {
            return err(at, format!("field path component '{part}' may not start with '$'"));
        }
    }
    Ok(())
}

/// Parses a direction: a number equal to 1 or -1.
pub(crate) fn parse_direction(v: &Value, at: &str) -> Result<SortDirection, QueryError> {
    let n = match v {
        Value::Number(n) => num(n),
        Value::Object(_) => return err(at, "$meta and expression sort keys are not supported"),
        _ => return err(at, "sort order must be 1 (ascending) or -1 (descending)"),
    };
    match n {
        Num::Int(1) => Ok(SortDirection::Ascending),
        Num::Int(-1) => Ok(SortDirection::Descending),
        Num::Float(1.0) => Ok(SortDirection::Ascending),
        Num::Float(-1.0) => Ok(SortDirection::Descending),
        _ => err(at, "sort order must be 1 (ascending) or -1 (descending)"),
    }
}

/// The key used to order keys: undefined < null < values.
fn key_cmp(a: KeyVal<'_>, b: KeyVal<'_>) -> Ordering {
    fn rank(k: &KeyVal<'_>) -> u8 {
        match k {
            KeyVal::Undefined => 0,
            KeyVal::Null | KeyVal::Val(Value::Null) => 1,
            KeyVal::Val(_) => 2,
        }
    }
    match (a, b) {
        (KeyVal::Val(x), KeyVal::Val(y)) => compare_values(x, y),
        _ => rank(&a).cmp(&rank(&b)),
    }
}

/// The sort key of `doc` for one field: the smallest key (ascending) or the
/// largest (descending).
fn sort_key<'a>(doc: &'a Document, parts: &[String], dir: SortDirection) -> KeyVal<'a> {
    let mut arrays = Vec::new();
    let keys = key_values(doc, parts, &mut arrays);
    let pick = keys.into_iter().reduce(|best, k| {
        let o = key_cmp(k, best);
        let better = match dir {
            SortDirection::Ascending => o == Ordering::Less,
            SortDirection::Descending => o == Ordering::Greater,
        };
        if better { k } else { best }
    });
    pick.unwrap_or(KeyVal::Null)
}

impl Sort {
    /// Parses `{"field": 1 | -1, ...}` (`{}` means no sort). Errors name the
    /// offending field under `prefix`.
    pub fn parse(v: &Value, prefix: &str) -> Result<Sort, QueryError> {
        let Value::Object(map) = v else {
            return err(prefix, "sort must be an object");
        };
        let mut sort = Sort::default();
        for (k, d) in map {
            let at = join(prefix, k);
            check_field_path(k, &at)?;
            let dir = parse_direction(d, &at)?;
            sort.fields.push((k.clone(), dir));
            sort.parts.push(split(k));
        }
        Ok(sort)
    }

    /// MongoDB's order of two documents under this sort. Ties return
    /// `Equal`: the caller's stable sort keeps insertion order.
    pub fn compare(&self, a: &Document, b: &Document) -> Ordering {
        for ((_, dir), parts) in self.fields.iter().zip(&self.parts) {
            let o = key_cmp(sort_key(a, parts, *dir), sort_key(b, parts, *dir));
            let o = match dir {
                SortDirection::Ascending => o,
                SortDirection::Descending => o.reverse(),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// Whether the sort has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields in order, with their directions.
    pub fn fields(&self) -> &[(String, SortDirection)] {
        &self.fields
    }
}

//! Document rules: the shape every stored document must have (MongoDB's key
//! rules, `_id` type, nesting depth) and the raw-text check for integers that
//! serde_json would silently turn into floats.

use serde_json::Value;

use crate::QueryError;
use crate::error::{err, join};

/// Checks a document against the storage rules, naming paths under
/// `document` (see [`validate_document_at`]).
pub fn validate_document(doc: &Value, max_depth: usize) -> Result<(), QueryError> {
    validate_document_at(doc, max_depth, "document")
}

/// Checks a document against the storage rules, naming paths under `prefix`:
///
/// - the top level is an object;
/// - no key anywhere (nested objects and objects inside arrays included)
///   starts with `$` or contains `.`;
/// - `_id`, if present, is a string or a number;
/// - nesting depth is at most `max_depth`, counting the top-level document
///   as level 1 and each nested object or array as one more level
///   (`{"a": {"b": [1]}}` has depth 3; scalars add nothing).
///
/// Works iteratively, so any depth of input is safe.
pub fn validate_document_at(doc: &Value, max_depth: usize, prefix: &str) -> Result<(), QueryError> {
    let Value::Object(top) = doc else {
        return err(prefix, "a document must be an object");
    };
    if let Some(id) = top.get("_id")
        && !matches!(id, Value::String(_) | Value::Number(_))
    {
        return err(&join(prefix, "_id"), "_id must be a string or a number");
    }
    // (value, its level, its path)
    let mut stack: Vec<(&Value, usize, String)> = vec![(doc, 1, prefix.to_string())];
    while let Some((v, level, path)) = stack.pop() {
        if level > max_depth {
            return err(&path, format!("document is nested deeper than {max_depth} levels"));
        }
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let here = join(&path, k);
                    if k.starts_with('$') {
                        return err(&here, "field names must not start with '$'");
                    }
                    if k.contains('.') {
                        return err(&here, "field names must not contain '.'");
                    }
                    if child.is_object() || child.is_array() {
                        stack.push((child, level + 1, here));
                    }
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    if child.is_object() || child.is_array() {
                        stack.push((child, level + 1, format!("{path}[{i}]")));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether an unsigned digit string is at most `limit` (both without sign).
fn digits_at_most(digits: &[u8], limit: &[u8]) -> bool {
    let trimmed: &[u8] = {
        let first = digits.iter().position(|d| *d != b'0').unwrap_or(digits.len());
        &digits[first..]
    };
    match trimmed.len().cmp(&limit.len()) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => trimmed <= limit,
    }
}

/// Scans raw JSON text for integer literals (no `.`, `e` or `E`) outside
/// [-2^63, 2^64-1] and reports the first as `body: integer out of range`.
///
/// Strings (with their escapes) are skipped. The text is not otherwise
/// validated: parse it with serde_json as usual.
pub fn check_integer_range(raw_json: &[u8]) -> Result<(), QueryError> {
    const MAX_POS: &[u8] = b"18446744073709551615";
    const MAX_NEG: &[u8] = b"9223372036854775808";
    let mut i = 0;
    while i < raw_json.len() {
        match raw_json[i] {
            b'"' => {
                i += 1;
                while i < raw_json.len() {
                    match raw_json[i] {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < raw_json.len() && matches!(raw_json[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    i += 1;
                }
                let token = &raw_json[start..i];
                if token.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                    continue;
                }
                let (neg, digits) = match token.split_first() {
                    Some((b'-', rest)) => (true, rest),
                    _ => (false, token),
                };
                let ok = digits_at_most(digits, if neg { MAX_NEG } else { MAX_POS });
                if !ok {
                    let text = String::from_utf8_lossy(token);
                    return err(
                        "body",
                        format!("integer out of range: {text} (integers must be within [-2^63, 2^64-1])"),
                    );
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

//! Index keys: an order-preserving, prefix-free binary encoding of values
//! (byte order == `compare_values` order, 1 and 1.0 identical) and the keys
//! of a document under an index specification (multikey, missing as null).

use serde_json::Value;

use crate::error::{err, join};
use crate::path::{KeyVal, key_values, split};
use crate::sort::{SortDirection, check_field_path, parse_direction};
use crate::value::{Num, num};
use crate::{Document, QueryError};

/// Type bytes, in MongoDB's cross-type order. 0 ends objects and arrays.
pub(crate) const T_UNDEFINED: u8 = 0x08;
pub(crate) const T_NULL: u8 = 0x10;
pub(crate) const T_NUMBER: u8 = 0x20;
pub(crate) const T_STRING: u8 = 0x30;
pub(crate) const T_OBJECT: u8 = 0x40;
pub(crate) const T_ARRAY: u8 = 0x50;
pub(crate) const T_BOOL: u8 = 0x60;

/// The most keys one document may produce for one index.
const MAX_KEYS_PER_DOC: usize = 100_000;

/// The type byte of a value.
pub(crate) fn type_byte(v: &Value) -> u8 {
    match v {
        Value::Null => T_NULL,
        Value::Number(_) => T_NUMBER,
        Value::String(_) => T_STRING,
        Value::Object(_) => T_OBJECT,
        Value::Array(_) => T_ARRAY,
        Value::Bool(_) => T_BOOL,
    }
}

/// Appends the order-preserving encoding of `v` to `out`.
///
/// Byte order of encodings equals [`crate::compare_values`] order; equal
/// values (1 and 1.0, 0 and -0.0) encode identically; encodings are
/// prefix-free, so compound keys may simply be concatenated. Layout: a type
/// byte, then numbers as sign class + binary exponent + 64-bit mantissa,
/// strings with 0x00 escaped as 0x00 0xFF and ended by 0x00 0x00, objects
/// as (value type byte, name, value) triples and arrays as elements, both
/// ended by 0x00.
pub fn encode_key(v: &Value, out: &mut Vec<u8>) {
    out.push(type_byte(v));
    encode_body(v, out);
}

fn encode_body(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push(u8::from(*b)),
        Value::Number(n) => encode_number(num(n), out),
        Value::String(s) => encode_str(s, out),
        Value::Object(m) => {
            for (k, child) in m {
                out.push(type_byte(child));
                encode_str(k, out);
                encode_body(child, out);
            }
            out.push(0);
        }
        Value::Array(a) => {
            for child in a {
                encode_key(child, out);
            }
            out.push(0);
        }
    }
}

fn encode_str(s: &str, out: &mut Vec<u8>) {
    for &b in s.as_bytes() {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// A non-zero magnitude as (binary exponent of its leading 1, the bits after
/// the leading 1 left-aligned in 64 bits): exact for u64 and f64 alike.
fn int_parts(m: u128) -> (i32, u64) {
    let lz = m.leading_zeros();
    let e = 127 - lz as i32;
    let mant = m.checked_shl(lz + 1).unwrap_or(0);
    (e, (mant >> 64) as u64)
}

fn float_parts(f: f64) -> (i32, u64) {
    let bits = f.abs().to_bits();
    let exp = ((bits >> 52) & 0x7FF) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        // Subnormal: frac * 2^-1074.
        let (e, mant) = int_parts(u128::from(frac));
        (e - 1074, mant)
    } else {
        (exp - 1023, frac << 12)
    }
}

fn encode_number(n: Num, out: &mut Vec<u8>) {
    let (neg, parts) = match n {
        Num::Int(0) => (false, None),
        Num::Int(i) => (i < 0, Some(int_parts(i.unsigned_abs()))),
        Num::Float(f) if f == 0.0 || f.is_nan() => (false, None),
        Num::Float(f) if f.is_infinite() => (f < 0.0, Some((4000, 0))),
        Num::Float(f) => (f < 0.0, Some(float_parts(f))),
    };
    let Some((e, mant)) = parts else {
        out.push(2);
        return;
    };
    let biased = (e + 8192) as u16;
    let mut body = [0u8; 10];
    body[..2].copy_from_slice(&biased.to_be_bytes());
    body[2..].copy_from_slice(&mant.to_be_bytes());
    if neg {
        out.push(1);
        out.extend(body.iter().map(|b| !b));
    } else {
        out.push(3);
        out.extend_from_slice(&body);
    }
}

/// Appends one index key component with the field's direction applied.
pub(crate) fn push_component(k: KeyVal<'_>, dir: SortDirection, out: &mut Vec<u8>) {
    let start = out.len();
    match k {
        KeyVal::Undefined => out.push(T_UNDEFINED),
        KeyVal::Null => out.push(T_NULL),
        KeyVal::Val(v) => encode_key(v, out),
    }
    if dir == SortDirection::Descending {
        for b in &mut out[start..] {
            *b = !*b;
        }
    }
}

/// An index specification: `{"a": 1, "b.c": -1}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// The indexed paths and directions, in order.
    pub fields: Vec<(String, SortDirection)>,
}

impl IndexSpec {
    /// Parses `{"field": 1 | -1, ...}`: non-empty, valid paths, each
    /// direction 1 or -1. Errors name the field under `keys`.
    pub fn parse(v: &Value) -> Result<IndexSpec, QueryError> {
        let Value::Object(m) = v else {
            return err("keys", "index keys must be an object");
        };
        if m.is_empty() {
            return err("keys", "index keys must name at least one field");
        }
        let mut fields = Vec::with_capacity(m.len());
        for (k, d) in m {
            let at = join("keys", k);
            check_field_path(k, &at)?;
            let dir = parse_direction(d, &at).or_else(|_| err(&at, "index direction must be 1 or -1"))?;
            fields.push((k.clone(), dir));
        }
        Ok(IndexSpec { fields })
    }

    /// Every key of `doc` in this index, sorted and deduplicated.
    ///
    /// Each element of an array is its own key (multikey); a missing field is
    /// indexed as null; an empty array as undefined (below null); descending
    /// fields have inverted bytes. Compound keys are the cross product of
    /// each field's values (so for fields sharing one array prefix, e.g.
    /// `a.b` and `a.c`, there are more keys than MongoDB makes: a superset).
    /// Arrays at two different paths that are not nested in one another are
    /// "cannot index parallel arrays"; more than 100,000 keys is an error.
    pub fn keys(&self, doc: &Document) -> Result<Vec<Vec<u8>>, QueryError> {
        let mut per_field = Vec::with_capacity(self.fields.len());
        let mut array_paths: Vec<(usize, Vec<String>)> = Vec::new();
        for (i, (path, dir)) in self.fields.iter().enumerate() {
            let parts = split(path);
            let mut arrays = Vec::new();
            let vals = key_values(doc, &parts, &mut arrays);
            for n in arrays {
                let p: Vec<String> = parts.iter().take(n).cloned().collect();
                for (j, q) in &array_paths {
                    let nested = p.starts_with(q) || q.starts_with(&p);
                    if *j != i && !nested {
                        return err(path, format!("cannot index parallel arrays [{}] [{}]", q.join("."), p.join(".")));
                    }
                }
                array_paths.push((i, p));
            }
            let mut comps: Vec<Vec<u8>> = vals
                .into_iter()
                .map(|k| {
                    let mut b = Vec::new();
                    push_component(k, *dir, &mut b);
                    b
                })
                .collect();
            comps.sort();
            comps.dedup();
            per_field.push(comps);
        }
        let total = per_field.iter().try_fold(1usize, |acc, c| acc.checked_mul(c.len())).unwrap_or(usize::MAX);
        if total > MAX_KEYS_PER_DOC {
            return err("keys", "document produces too many index keys");
        }
        let mut keys: Vec<Vec<u8>> = vec![Vec::new()];
        for comps in &per_field {
            let mut next = Vec::with_capacity(keys.len() * comps.len());
            for k in &keys {
                for c in comps {
                    let mut key = k.clone();
                    key.extend_from_slice(c);
                    next.push(key);
                }
            }
            keys = next;
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}

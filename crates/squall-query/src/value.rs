//! The value model: BSON type of a JSON value, MongoDB's cross-type order
//! (null < numbers < strings < objects < arrays < booleans) and exact numeric
//! comparison across i64, u64 and f64 (never through a lossy conversion).

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// Comparisons deeper than this many nested levels treat the remainder as
/// equal instead of recursing further (documents parsed from JSON text stop
/// at 128 levels, so this is never reached for stored documents).
const MAX_COMPARE_DEPTH: usize = 512;

/// The BSON type a JSON value is stored as.
///
/// A JSON integer within i32 is `Int`, within i64 `Long`, a larger one (up to
/// u64::MAX) `Decimal`; any other number is `Double`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BsonType {
    /// A float (`1.5`, `1.0`, `1e3`): BSON code 1.
    Double,
    /// A string: BSON code 2.
    String,
    /// An object (embedded document): BSON code 3.
    Object,
    /// An array: BSON code 4.
    Array,
    /// `true` or `false`: BSON code 8.
    Bool,
    /// `null`: BSON code 10.
    Null,
    /// An integer within i32: BSON code 16.
    Int,
    /// An integer within i64 but not i32: BSON code 18.
    Long,
    /// An integer above i64::MAX (up to u64::MAX): BSON code 19.
    Decimal,
}

impl BsonType {
    /// The BSON type code (`$type` accepts it).
    pub fn code(self) -> i64 {
        match self {
            BsonType::Double => 1,
            BsonType::String => 2,
            BsonType::Object => 3,
            BsonType::Array => 4,
            BsonType::Bool => 8,
            BsonType::Null => 10,
            BsonType::Int => 16,
            BsonType::Long => 18,
            BsonType::Decimal => 19,
        }
    }

    /// MongoDB's alias for the type (`$type` accepts it).
    pub fn name(self) -> &'static str {
        match self {
            BsonType::Double => "double",
            BsonType::String => "string",
            BsonType::Object => "object",
            BsonType::Array => "array",
            BsonType::Bool => "bool",
            BsonType::Null => "null",
            BsonType::Int => "int",
            BsonType::Long => "long",
            BsonType::Decimal => "decimal",
        }
    }

    /// Whether the type is one of the numeric types.
    pub fn is_number(self) -> bool {
        matches!(self, BsonType::Double | BsonType::Int | BsonType::Long | BsonType::Decimal)
    }
}

/// The BSON type `v` is stored as.
pub fn bson_type(v: &Value) -> BsonType {
    match v {
        Value::Null => BsonType::Null,
        Value::Bool(_) => BsonType::Bool,
        Value::String(_) => BsonType::String,
        Value::Array(_) => BsonType::Array,
        Value::Object(_) => BsonType::Object,
        Value::Number(n) => match num(n) {
            Num::Float(_) => BsonType::Double,
            Num::Int(i) if i32::try_from(i).is_ok() => BsonType::Int,
            Num::Int(i) if i64::try_from(i).is_ok() => BsonType::Long,
            Num::Int(_) => BsonType::Decimal,
        },
    }
}

/// A JSON number held exactly: integers (i64 or u64) widened to i128.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    /// An integer literal.
    Int(i128),
    /// A float literal.
    Float(f64),
}

/// The exact value of a JSON number.
pub(crate) fn num(n: &Number) -> Num {
    if let Some(i) = n.as_i64() {
        Num::Int(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        Num::Int(i128::from(u))
    } else {
        Num::Float(n.as_f64().unwrap_or(0.0))
    }
}

/// Compares an integer and a float exactly.
fn cmp_int_float(i: i128, f: f64) -> Ordering {
    if f.is_nan() {
        return Ordering::Greater;
    }
    if f >= 1.0e20 {
        return Ordering::Less;
    }
    if f <= -1.0e20 {
        return Ordering::Greater;
    }
    let t = f.trunc();
    // |t| < 1e20 < 2^67, so the cast is exact.
    let ti = t as i128;
    match i.cmp(&ti) {
        Ordering::Equal => {
            if f > t {
                Ordering::Less
            } else if f < t {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        o => o,
    }
}

/// Compares two numbers exactly (1 == 1.0; 2^53+1 > 2^53 as a float).
pub(crate) fn cmp_num(a: Num, b: Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y).unwrap_or_else(|| {
            // NaN sorts below every number, as in MongoDB.
            x.is_nan().cmp(&y.is_nan()).reverse()
        }),
        (Num::Int(x), Num::Float(y)) => cmp_int_float(x, y),
        (Num::Float(x), Num::Int(y)) => cmp_int_float(y, x).reverse(),
    }
}

/// The rank of a value's type bracket in MongoDB's cross-type order.
pub(crate) fn bracket(v: &Value) -> u8 {
    match v {
        Value::Null => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Object(_) => 4,
        Value::Array(_) => 5,
        Value::Bool(_) => 6,
    }
}

/// MongoDB's order of two values: by type bracket (null < numbers < strings <
/// objects < arrays < booleans), then by value. Numbers compare exactly,
/// strings by Unicode code point, objects field by field (type bracket of the
/// value, then name, then value, as BSON does), arrays element by element.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    cmp_depth(a, b, 0)
}

fn cmp_depth(a: &Value, b: &Value, depth: usize) -> Ordering {
    let (ra, rb) = (bracket(a), bracket(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    if depth > MAX_COMPARE_DEPTH {
        return Ordering::Equal;
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => cmp_num(num(x), num(y)),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Object(x), Value::Object(y)) => {
            for ((ka, va), (kb, vb)) in x.iter().zip(y.iter()) {
                let o =
                    bracket(va).cmp(&bracket(vb)).then_with(|| ka.cmp(kb)).then_with(|| cmp_depth(va, vb, depth + 1));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Array(x), Value::Array(y)) => {
            for (va, vb) in x.iter().zip(y.iter()) {
                let o = cmp_depth(va, vb, depth + 1);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => Ordering::Equal,
    }
}

/// MongoDB equality: `compare_values(a, b) == Equal` (so 1 == 1.0, and
/// embedded documents are equal only with the same fields in the same order).
pub fn values_equal(a: &Value, b: &Value) -> bool {
    compare_values(a, b) == Ordering::Equal
}

/// 2^63 as a float (exact).
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// A float truncated toward zero, if the result fits in i64.
pub(crate) fn trunc_to_i64(f: f64) -> Option<i64> {
    let t = f.trunc();
    (t.is_finite() && (-TWO_63..TWO_63).contains(&t)).then_some(t as i64)
}

/// Whether `v` nests deeper than `limit` levels (a scalar is level 0).
/// Recursion is bounded by `limit`.
pub(crate) fn deeper_than(v: &Value, limit: usize) -> bool {
    match v {
        Value::Array(a) => limit == 0 || a.iter().any(|e| deeper_than(e, limit - 1)),
        Value::Object(m) => limit == 0 || m.values().any(|e| deeper_than(e, limit - 1)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_exactly() {
        let big = json!(9007199254740993u64);
        let f = json!(9007199254740992.0);
        assert_eq!(compare_values(&big, &f), Ordering::Greater);
        assert!(values_equal(&json!(1), &json!(1.0)));
        assert!(values_equal(&json!(0), &json!(-0.0)));
        assert_eq!(compare_values(&json!(u64::MAX), &json!(18446744073709551616.0)), Ordering::Less);
        assert_eq!(compare_values(&json!(i64::MIN), &json!(-9223372036854775808.0)), Ordering::Equal);
    }

    #[test]
    fn brackets_order() {
        let order = [json!(null), json!(-5), json!("a"), json!({}), json!([]), json!(false), json!(true)];
        for w in order.windows(2) {
            assert_eq!(compare_values(&w[0], &w[1]), Ordering::Less, "{w:?}");
        }
    }

    #[test]
    fn types() {
        assert_eq!(bson_type(&json!(1)), BsonType::Int);
        assert_eq!(bson_type(&json!(1i64 << 40)), BsonType::Long);
        assert_eq!(bson_type(&json!(u64::MAX)), BsonType::Decimal);
        assert_eq!(bson_type(&json!(1.0)), BsonType::Double);
    }
}

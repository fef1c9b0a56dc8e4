//! Exact arithmetic for `$inc` and `$mul`: integers stay integers (exact in
//! i128), a float operand gives a float, and results that JSON integers or
//! MongoDB's long cannot hold are errors.

use serde_json::{Number, Value};

use crate::value::{Num, num};

/// `+` or `*`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Op {
    Add,
    Mul,
}

fn as_f64(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

/// An integer as a JSON number, if it fits in [-2^63, 2^64-1].
pub(crate) fn int_value(i: i128) -> Option<Value> {
    if let Ok(x) = i64::try_from(i) { Some(Value::from(x)) } else { u64::try_from(i).ok().map(Value::from) }
}

/// `a op b` with MongoDB's type rules, or an error message.
pub(crate) fn compute(op: Op, a: &Number, b: &Number) -> Result<Value, String> {
    let (x, y) = (num(a), num(b));
    match (x, y) {
        (Num::Int(i), Num::Int(j)) => {
            let r = match op {
                Op::Add => i.checked_add(j),
                Op::Mul => i.checked_mul(j),
            };
            let both_long = i64::try_from(i).is_ok() && i64::try_from(j).is_ok();
            match r {
                Some(r) if both_long && i64::try_from(r).is_err() => {
                    Err("integer overflow: the result does not fit in a 64-bit integer".to_string())
                }
                Some(r) => int_value(r).ok_or_else(|| "integer result out of range [-2^63, 2^64-1]".to_string()),
                None => Err("integer result out of range [-2^63, 2^64-1]".to_string()),
            }
        }
        _ => {
            let r = match op {
                Op::Add => as_f64(x) + as_f64(y),
                Op::Mul => as_f64(x) * as_f64(y),
            };
            Number::from_f64(r).map(Value::Number).ok_or_else(|| "the result is not a finite number".to_string())
        }
    }
}

/// The zero `$mul` writes to a missing field: of the multiplier's type.
pub(crate) fn zero_like(n: &Number) -> Value {
    match num(n) {
        Num::Int(_) => Value::from(0),
        Num::Float(_) => Value::from(0.0),
    }
}

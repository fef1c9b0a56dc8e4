//! Filter evaluation: MongoDB's matching rules over the values found at a
//! path (leaf arrays match as a whole or through any element; missing fields
//! match `null`; comparisons only within a type bracket).

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::{CmpOp, Expr, Pred, TypeSel};
use crate::path::{Item, collect};
use crate::value::{BsonType, Num, bracket, bson_type, compare_values, num, trunc_to_i64, values_equal};

/// Evaluates one expression against a document.
pub(crate) fn eval(e: &Expr, doc: &Map<String, Value>) -> bool {
    match e {
        Expr::And(xs) => xs.iter().all(|x| eval(x, doc)),
        Expr::Or(xs) => xs.iter().any(|x| eval(x, doc)),
        Expr::Nor(xs) => !xs.iter().any(|x| eval(x, doc)),
        Expr::Path { parts, preds, .. } => {
            let items = collect(doc, parts);
            preds.iter().all(|p| eval_pred(p, &items))
        }
    }
}

/// Evaluates a predicate over everything found at a path.
pub(crate) fn eval_pred(p: &Pred, items: &[Item<'_>]) -> bool {
    match p {
        Pred::Exists(want) => items.iter().any(|i| matches!(i, Item::Val(_))) == *want,
        Pred::Not(ps) => !ps.iter().all(|q| eval_pred(q, items)),
        Pred::Size(_) | Pred::ElemMatchValue(_) | Pred::ElemMatchObj(_) => {
            items.iter().any(|i| matches!(i, Item::Val(v @ Value::Array(_)) if single(p, Some(v))))
        }
        Pred::All(vals) => {
            !vals.is_empty() && vals.iter().all(|v| items.iter().any(|i| leaf_matches(&Pred::Eq(v.clone()), *i)))
        }
        _ => items.iter().any(|i| leaf_matches(p, *i)),
    }
}

/// A predicate on one item, trying a leaf array whole and then each element.
fn leaf_matches(p: &Pred, item: Item<'_>) -> bool {
    match item {
        Item::Missing => single(p, None),
        Item::Val(v) => single(p, Some(v)) || matches!(v, Value::Array(a) if a.iter().any(|e| single(p, Some(e)))),
    }
}

fn eq(x: &Value, v: Option<&Value>) -> bool {
    match v {
        None => x.is_null(),
        Some(v) => values_equal(v, x),
    }
}

fn type_matches(sel: TypeSel, t: BsonType) -> bool {
    match sel {
        TypeSel::Number => t.is_number(),
        TypeSel::Code(c) => t.code() == c,
    }
}

/// Whether a number's value satisfies `$mod` (floats truncated; values
/// outside i64 never match).
fn mod_matches(v: &Value, d: i64, r: i64) -> bool {
    let Value::Number(n) = v else {
        return false;
    };
    let dividend = match num(n) {
        Num::Int(i) => i64::try_from(i).ok(),
        Num::Float(f) => trunc_to_i64(f),
    };
    dividend.is_some_and(|x| x.wrapping_rem(d) == r)
}

/// Evaluates a predicate on a single value (`None` = missing), with no
/// array expansion: used for each element by `leaf_matches` and directly by
/// `$elemMatch`.
pub(crate) fn single(p: &Pred, v: Option<&Value>) -> bool {
    match p {
        Pred::Eq(x) => eq(x, v),
        Pred::Cmp(op, x) => {
            let v = v.unwrap_or(&Value::Null);
            if bracket(v) != bracket(x) {
                return false;
            }
            let o = compare_values(v, x);
            match op {
                CmpOp::Gt => o == Ordering::Greater,
                CmpOp::Gte => o != Ordering::Less,
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Lte => o != Ordering::Greater,
            }
        }
        Pred::In(xs) => xs.iter().any(|x| eq(x, v)),
        Pred::Exists(want) => v.is_some() == *want,
        Pred::Type(sels) => v.is_some_and(|v| {
            let t = bson_type(v);
            sels.iter().any(|s| type_matches(*s, t))
        }),
        Pred::Regex(re) => matches!(v, Some(Value::String(s)) if re.is_match(s)),
        Pred::Size(n) => matches!(v, Some(Value::Array(a)) if a.len() == *n),
        Pred::All(xs) => {
            !xs.is_empty()
                && xs
                    .iter()
                    .all(|x| eq(x, v) || matches!(v, Some(Value::Array(a)) if a.iter().any(|e| values_equal(e, x))))
        }
        Pred::ElemMatchValue(ps) => match v {
            Some(Value::Array(a)) => a.iter().any(|e| ps.iter().all(|q| single(q, Some(e)))),
            _ => false,
        },
        Pred::ElemMatchObj(exprs) => match v {
            Some(Value::Array(a)) => a.iter().any(|e| element_matches(exprs, e)),
            _ => false,
        },
        Pred::Mod(d, r) => v.is_some_and(|v| mod_matches(v, *d, *r)),
        Pred::Not(ps) => !ps.iter().all(|q| single(q, v)),
    }
}

/// Whether an array element matches a query: objects directly, arrays as
/// objects keyed by position, scalars never.
pub(crate) fn element_matches(exprs: &[Expr], e: &Value) -> bool {
    match e {
        Value::Object(m) => exprs.iter().all(|x| eval(x, m)),
        Value::Array(a) => {
            let m: Map<String, Value> = a.iter().enumerate().map(|(i, v)| (i.to_string(), v.clone())).collect();
            exprs.iter().all(|x| eval(x, &m))
        }
        _ => false,
    }
}

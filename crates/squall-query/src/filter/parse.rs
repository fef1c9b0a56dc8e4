//! Filter parsing: MongoDB query documents into `Expr`/`Pred`, rejecting
//! malformed operands and unknown operators with the offending path.

use regex::RegexBuilder;
use serde_json::{Map, Value};

use super::{CmpOp, Expr, MAX_FILTER_DEPTH, MAX_VALUE_DEPTH, Pred, TypeSel};
use crate::QueryError;
use crate::error::{err, join, join_index};
use crate::path::split;
use crate::value::{Num, deeper_than, num, trunc_to_i64};

/// Parses a query document (an object) into its top-level clauses.
pub(crate) fn parse_clauses(v: &Value, path: &str, depth: usize) -> Result<Vec<Expr>, QueryError> {
    if depth > MAX_FILTER_DEPTH {
        return err(path, "filter is nested too deeply");
    }
    let Value::Object(map) = v else {
        return err(path, "must be an object");
    };
    let mut out = Vec::new();
    for (key, val) in map {
        let here = join(path, key);
        match key.as_str() {
            "$and" | "$or" | "$nor" => {
                let list = parse_logical(key, val, &here, depth)?;
                out.push(match key.as_str() {
                    "$and" => Expr::And(list),
                    "$or" => Expr::Or(list),
                    _ => Expr::Nor(list),
                });
            }
            "$comment" => {}
            k if k.starts_with('$') => {
                return err(&here, format!("unknown or unsupported top-level operator: {k}"));
            }
            _ => out.push(parse_field(key, val, &here, depth)?),
        }
    }
    Ok(out)
}

fn parse_logical(op: &str, val: &Value, path: &str, depth: usize) -> Result<Vec<Expr>, QueryError> {
    let Value::Array(items) = val else {
        return err(path, format!("{op} must be an array"));
    };
    if items.is_empty() {
        return err(path, format!("{op} must be a nonempty array"));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = join_index(path, i);
        if !item.is_object() {
            return err(&here, format!("{op} argument's entries must be objects"));
        }
        out.push(Expr::And(parse_clauses(item, &here, depth + 1)?));
    }
    Ok(out)
}

fn is_operator_object(v: &Value) -> Option<&Map<String, Value>> {
    match v {
        Value::Object(m) if m.keys().next().is_some_and(|k| k.starts_with('$')) => Some(m),
        _ => None,
    }
}

fn parse_field(key: &str, val: &Value, path: &str, depth: usize) -> Result<Expr, QueryError> {
    let preds = match is_operator_object(val) {
        Some(ops) => parse_ops(ops, path, depth + 1)?,
        None => vec![Pred::Eq(literal(val, path)?)],
    };
    Ok(Expr::Path { path: key.to_string(), parts: split(key), preds })
}

/// A literal operand, checked for depth.
fn literal(v: &Value, path: &str) -> Result<Value, QueryError> {
    if deeper_than(v, MAX_VALUE_DEPTH) {
        return err(path, "value is nested too deeply");
    }
    Ok(v.clone())
}

/// Parses an operator object (`{"$gt": 1, "$lt": 5}`) into a conjunction.
pub(crate) fn parse_ops(ops: &Map<String, Value>, path: &str, depth: usize) -> Result<Vec<Pred>, QueryError> {
    if depth > MAX_FILTER_DEPTH {
        return err(path, "filter is nested too deeply");
    }
    let options = ops.get("$options");
    if options.is_some() && !ops.contains_key("$regex") {
        return err(&join(path, "$options"), "$options needs a $regex");
    }
    let mut preds = Vec::with_capacity(ops.len());
    for (op, arg) in ops {
        let here = join(path, op);
        let pred = match op.as_str() {
            "$eq" => Pred::Eq(literal(arg, &here)?),
            "$ne" => Pred::Not(vec![Pred::Eq(literal(arg, &here)?)]),
            "$gt" => Pred::Cmp(CmpOp::Gt, literal(arg, &here)?),
            "$gte" => Pred::Cmp(CmpOp::Gte, literal(arg, &here)?),
            "$lt" => Pred::Cmp(CmpOp::Lt, literal(arg, &here)?),
            "$lte" => Pred::Cmp(CmpOp::Lte, literal(arg, &here)?),
            "$in" => Pred::In(parse_in(op, arg, &here)?),
            "$nin" => Pred::Not(vec![Pred::In(parse_in(op, arg, &here)?)]),
            "$exists" => Pred::Exists(truthy(arg)),
            "$type" => Pred::Type(parse_types(arg, &here)?),
            "$regex" => parse_regex(arg, options, &here, path)?,
            "$options" => continue,
            "$size" => Pred::Size(parse_size(arg, &here)?),
            "$all" => parse_all(arg, &here, depth)?,
            "$elemMatch" => parse_elem_match(arg, &here, depth)?,
            "$mod" => parse_mod(arg, &here)?,
            "$not" => parse_not(arg, &here, depth)?,
            k if k.starts_with('$') => {
                return err(&here, format!("unknown or unsupported operator: {k}"));
            }
            k => return err(&here, format!("unknown operator: {k} (an operator object cannot also hold fields)")),
        };
        preds.push(pred);
    }
    Ok(preds)
}

/// `$exists` takes any value: false, 0 and null mean false, the rest true.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Number(n) => match num(n) {
            Num::Int(i) => i != 0,
            Num::Float(f) => f != 0.0,
        },
        _ => true,
    }
}

fn parse_in(op: &str, arg: &Value, path: &str) -> Result<Vec<Value>, QueryError> {
    let Value::Array(items) = arg else {
        return err(path, format!("{op} needs an array"));
    };
    for (i, item) in items.iter().enumerate() {
        if is_operator_object(item).is_some() {
            return err(&join_index(path, i), format!("cannot nest $ under {op}"));
        }
    }
    literal(arg, path)?;
    Ok(items.clone())
}

const TYPE_NAMES: &[(&str, i64)] = &[
    ("double", 1),
    ("string", 2),
    ("object", 3),
    ("array", 4),
    ("binData", 5),
    ("undefined", 6),
    ("objectId", 7),
    ("bool", 8),
    ("date", 9),
    ("null", 10),
    ("regex", 11),
    ("dbPointer", 12),
    ("javascript", 13),
    ("symbol", 14),
    ("javascriptWithScope", 15),
    ("int", 16),
    ("timestamp", 17),
    ("long", 18),
    ("decimal", 19),
    ("minKey", -1),
    ("maxKey", 127),
];

fn parse_type(v: &Value, path: &str) -> Result<TypeSel, QueryError> {
    match v {
        Value::String(s) if s == "number" => Ok(TypeSel::Number),
        Value::String(s) => match TYPE_NAMES.iter().find(|(n, _)| n == s) {
            Some((_, code)) => Ok(TypeSel::Code(*code)),
            None => err(path, format!("unknown type name alias: {s}")),
        },
        Value::Number(n) => {
            let code = match num(n) {
                Num::Int(i) => i64::try_from(i).ok(),
                Num::Float(f) if f.fract() == 0.0 && f.abs() < 1e9 => Some(f as i64),
                Num::Float(_) => None,
            };
            match code {
                Some(c) if TYPE_NAMES.iter().any(|(_, k)| *k == c) => Ok(TypeSel::Code(c)),
                _ => err(path, format!("invalid numerical type code: {n}")),
            }
        }
        _ => err(path, "type must be represented as a number or a string"),
    }
}

fn parse_types(arg: &Value, path: &str) -> Result<Vec<TypeSel>, QueryError> {
    match arg {
        Value::Array(items) => {
            if items.is_empty() {
                return err(path, "$type must match at least one type");
            }
            items.iter().enumerate().map(|(i, v)| parse_type(v, &join_index(path, i))).collect()
        }
        v => Ok(vec![parse_type(v, path)?]),
    }
}

fn parse_regex(arg: &Value, options: Option<&Value>, here: &str, path: &str) -> Result<Pred, QueryError> {
    let Value::String(pattern) = arg else {
        return err(here, "$regex has to be a string");
    };
    let opts = match options {
        None => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return err(&join(path, "$options"), "$options has to be a string"),
    };
    let mut b = RegexBuilder::new(pattern);
    for c in opts.chars() {
        match c {
            'i' => b.case_insensitive(true),
            'm' => b.multi_line(true),
            's' => b.dot_matches_new_line(true),
            'x' => b.ignore_whitespace(true),
            'u' => &mut b,
            other => {
                return err(&join(path, "$options"), format!("invalid flag in regex options: {other}"));
            }
        };
    }
    b.size_limit(1 << 21).nest_limit(100);
    match b.build() {
        Ok(re) => Ok(Pred::Regex(Box::new(re))),
        Err(e) => err(here, format!("invalid regular expression: {e}")),
    }
}

fn parse_size(arg: &Value, path: &str) -> Result<usize, QueryError> {
    let Value::Number(n) = arg else {
        return err(path, "$size needs a number");
    };
    let size = match num(n) {
        Num::Int(i) => match i32::try_from(i) {
            Ok(s) => i64::from(s),
            Err(_) => return err(path, "$size must be representable as a 32-bit integer"),
        },
        Num::Float(f) => {
            if f.fract() != 0.0 || !f.is_finite() || f.abs() > f64::from(i32::MAX) {
                return err(path, "$size must be a whole number");
            }
            f as i64
        }
    };
    if size < 0 {
        return err(path, "$size may not be negative");
    }
    usize::try_from(size).or_else(|_| err(path, "$size is out of range"))
}

fn parse_all(arg: &Value, path: &str, depth: usize) -> Result<Pred, QueryError> {
    let Value::Array(items) = arg else {
        return err(path, "$all needs an array");
    };
    let is_em = |v: &Value| is_operator_object(v).is_some_and(|m| m.keys().next().is_some_and(|k| k == "$elemMatch"));
    if items.first().is_some_and(is_em) {
        let mut preds = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let here = join_index(path, i);
            let Some(m) = is_operator_object(item).filter(|_| is_em(item)) else {
                return err(&here, "$all/$elemMatch has to be consistent");
            };
            if m.len() != 1 {
                return err(&here, "$elemMatch inside $all must be alone in its object");
            }
            let inner = m.get("$elemMatch").unwrap_or(&Value::Null);
            preds.push(parse_elem_match(inner, &join(&here, "$elemMatch"), depth)?);
        }
        return Ok(Pred::Not(vec![Pred::Not(preds)]));
    }
    for (i, item) in items.iter().enumerate() {
        if is_em(item) {
            return err(&join_index(path, i), "$all/$elemMatch has to be consistent");
        }
        if is_operator_object(item).is_some() {
            return err(&join_index(path, i), "no $ expressions in $all");
        }
    }
    literal(arg, path)?;
    Ok(Pred::All(items.clone()))
}

fn parse_elem_match(arg: &Value, path: &str, depth: usize) -> Result<Pred, QueryError> {
    let Value::Object(m) = arg else {
        return err(path, "$elemMatch needs an object");
    };
    let first = m.keys().next().map(String::as_str);
    match first {
        Some(k) if k.starts_with('$') && !matches!(k, "$and" | "$or" | "$nor" | "$comment") => {
            Ok(Pred::ElemMatchValue(parse_ops(m, path, depth + 1)?))
        }
        _ => Ok(Pred::ElemMatchObj(parse_clauses(arg, path, depth + 1)?)),
    }
}

/// A `$mod` argument: a number truncated to a 64-bit integer.
fn mod_arg(v: &Value, path: &str, what: &str) -> Result<i64, QueryError> {
    let Value::Number(n) = v else {
        return err(path, format!("malformed mod, {what} not a number"));
    };
    let out = match num(n) {
        Num::Int(i) => i64::try_from(i).ok(),
        Num::Float(f) => trunc_to_i64(f),
    };
    match out {
        Some(x) => Ok(x),
        None => {
            err(path, format!("malformed mod, {what} value is invalid: it cannot be represented as a 64-bit integer"))
        }
    }
}

fn parse_mod(arg: &Value, path: &str) -> Result<Pred, QueryError> {
    let Value::Array(items) = arg else {
        return err(path, "malformed mod, needs to be an array");
    };
    match items.as_slice() {
        [] | [_] => err(path, "malformed mod, not enough elements"),
        [d, r] => {
            let divisor = mod_arg(d, &join_index(path, 0), "divisor")?;
            let remainder = mod_arg(r, &join_index(path, 1), "remainder")?;
            if divisor == 0 {
                return err(&join_index(path, 0), "divisor cannot be 0");
            }
            Ok(Pred::Mod(divisor, remainder))
        }
        _ => err(path, "malformed mod, too many elements"),
    }
}

fn parse_not(arg: &Value, path: &str, depth: usize) -> Result<Pred, QueryError> {
    let Value::Object(m) = arg else {
        return err(path, "$not needs a regex or a document");
    };
    if m.is_empty() {
        return err(path, "$not cannot be empty");
    }
    if is_operator_object(arg).is_none() {
        let k = m.keys().next().map(String::as_str).unwrap_or_default();
        return err(&join(path, k), format!("unknown operator: {k}"));
    }
    Ok(Pred::Not(parse_ops(m, path, depth + 1)?))
}

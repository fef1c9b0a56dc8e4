//! Update documents: parsing and validation of `$set $unset $inc $mul $min
//! $max $rename $push $addToSet $pull $pullAll $pop $setOnInsert` into a
//! list of per-path actions (conflicts and bad paths rejected up front).
//! Application lives in `apply`, numeric arithmetic in `arith`.

mod apply;
mod arith;

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::error::{err, join};
use crate::filter::parse::{parse_clauses, parse_ops};
use crate::filter::{Expr, MAX_VALUE_DEPTH, Pred};
use crate::path::{as_index, split};
use crate::sort::Sort;
use crate::value::{Num, deeper_than, num};
use crate::{Document, Filter, QueryError};

/// How `$push` sorts (`$sort`).
#[derive(Debug, Clone)]
pub(crate) enum PushSort {
    /// `1` / `-1`: by value.
    Value(bool),
    /// `{field: 1, ...}`: by fields of object elements.
    Fields(Sort),
}

/// A `$pull` condition.
#[derive(Debug, Clone)]
pub(crate) enum PullCond {
    Eq(Value),
    Ops(Vec<Pred>),
    Query(Vec<Expr>),
}

/// What one action does at its path.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Set(Value),
    SetOnInsert(Value),
    Unset,
    /// The source of a `$rename`: removed (never inside an array).
    RenameFrom,
    Inc(Value),
    Mul(Value),
    Min(Value),
    Max(Value),
    /// The destination of a `$rename`: takes the source's original value.
    RenameTo(Vec<String>),
    Push {
        each: Vec<Value>,
        position: Option<i64>,
        slice: Option<i64>,
        sort: Option<PushSort>,
    },
    AddToSet(Vec<Value>),
    Pull(PullCond),
    PullAll(Vec<Value>),
    Pop(bool),
}

/// One operation on one path.
#[derive(Debug, Clone)]
pub(crate) struct Action {
    pub(crate) parts: Vec<String>,
    /// The error path, e.g. `update.$inc.a.b`.
    pub(crate) at: String,
    pub(crate) kind: Kind,
}

/// A parsed MongoDB update document (operators only; a replacement
/// document is the caller's business).
///
/// Supported: `$set $unset $inc $mul $min $max $rename $push` (with `$each
/// $position $slice $sort`) `$addToSet` (with `$each`) `$pull $pullAll $pop
/// $setOnInsert`. Rejected: `$currentDate`, `$bit`, positional paths (`$`,
/// `$[]`, `$[id]`), any other `$` operator.
#[derive(Debug, Clone)]
pub struct Update {
    actions: Vec<Action>,
}

/// Orders path components as MongoDB applies them: numeric names
/// numerically, others lexicographically.
fn cmp_parts(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (as_index(x), as_index(y)) {
            (Some(i), Some(j)) => i.cmp(&j).then_with(|| x.cmp(y)),
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// Checks an update path: non-empty components, no positional operators,
/// no `$`-prefixed names.
fn check_path(path: &str, at: &str) -> Result<Vec<String>, QueryError> {
    let parts = split(path);
    for p in &parts {
        if p.is_empty() {
            return err(at, "an update path cannot contain an empty field name");
        }
        if p == "$" || p.starts_with("$[") {
            return err(at, "positional operators ($, $[], $[<id>]) are not supported");
        }
        if p.starts_with('$') {
            return err(at, format!("field name '{p}' must not start with '$'"));
        }
    }
    Ok(parts)
}

/// Checks a value to be written: key rules and depth.
pub(crate) fn check_value(v: &Value, at: &str) -> Result<Value, QueryError> {
    if deeper_than(v, MAX_VALUE_DEPTH) {
        return err(at, "value is nested too deeply");
    }
    fn keys(v: &Value, at: &str) -> Result<(), QueryError> {
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    if k.starts_with('$') {
                        return err(at, format!("field name '{k}' must not start with '$'"));
                    }
                    if k.contains('.') {
                        return err(at, format!("field name '{k}' must not contain '.'"));
                    }
                    keys(c, at)?;
                }
                Ok(())
            }
            Value::Array(a) => a.iter().try_for_each(|c| keys(c, at)),
            _ => Ok(()),
        }
    }
    keys(v, at)?;
    Ok(v.clone())
}

fn number(v: &Value, at: &str, op: &str) -> Result<Value, QueryError> {
    match v {
        Value::Number(_) => Ok(v.clone()),
        _ => err(at, format!("cannot {op} with a non-numeric argument")),
    }
}

fn integer(v: &Value, at: &str, what: &str) -> Result<i64, QueryError> {
    let n = match v {
        Value::Number(n) => num(n),
        _ => return err(at, format!("{what} must be an integer")),
    };
    match n {
        Num::Int(i) => i64::try_from(i).or_else(|_| err(at, format!("{what} is out of range"))),
        Num::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(f as i64),
        Num::Float(_) => err(at, format!("{what} must be an integer")),
    }
}

fn each_list(m: &Map<String, Value>, at: &str) -> Result<Vec<Value>, QueryError> {
    let each_at = join(at, "$each");
    match m.get("$each") {
        Some(Value::Array(items)) => items.iter().map(|v| check_value(v, &each_at)).collect(),
        _ => err(&each_at, "$each must be an array"),
    }
}

fn parse_push(v: &Value, at: &str) -> Result<Kind, QueryError> {
    let Some(m) = v.as_object().filter(|m| m.contains_key("$each")) else {
        return Ok(Kind::Push { each: vec![check_value(v, at)?], position: None, slice: None, sort: None });
    };
    let each = each_list(m, at)?;
    let (mut position, mut slice, mut sort) = (None, None, None);
    for (k, arg) in m {
        let here = join(at, k);
        match k.as_str() {
            "$each" => {}
            "$position" => position = Some(integer(arg, &here, "$position")?),
            "$slice" => slice = Some(integer(arg, &here, "$slice")?),
            "$sort" => {
                sort = Some(match arg {
                    Value::Object(spec) if !spec.is_empty() => PushSort::Fields(Sort::parse(arg, &here)?),
                    Value::Object(_) => return err(&here, "$sort pattern must not be empty"),
                    _ => match integer(arg, &here, "$sort") {
                        Ok(1) => PushSort::Value(true),
                        Ok(-1) => PushSort::Value(false),
                        _ => return err(&here, "$sort must be 1, -1 or a sort pattern"),
                    },
                })
            }
            other => return err(&here, format!("unrecognized clause in $push: {other}")),
        }
    }
    Ok(Kind::Push { each, position, slice, sort })
}

fn parse_add_to_set(v: &Value, at: &str) -> Result<Kind, QueryError> {
    let Some(m) = v.as_object().filter(|m| m.contains_key("$each")) else {
        return Ok(Kind::AddToSet(vec![check_value(v, at)?]));
    };
    if let Some(k) = m.keys().find(|k| *k != "$each") {
        return err(&join(at, k), "$addToSet only takes $each");
    }
    Ok(Kind::AddToSet(each_list(m, at)?))
}

fn parse_pull(v: &Value, at: &str) -> Result<PullCond, QueryError> {
    match v {
        Value::Object(m) => match m.keys().next().map(String::as_str) {
            Some(k) if k.starts_with('$') && !matches!(k, "$and" | "$or" | "$nor") => {
                Ok(PullCond::Ops(parse_ops(m, at, 1)?))
            }
            _ => Ok(PullCond::Query(parse_clauses(v, at, 1)?)),
        },
        other => Ok(PullCond::Eq(check_value(other, at)?)),
    }
}

fn parse_kind(op: &str, v: &Value, at: &str) -> Result<Kind, QueryError> {
    Ok(match op {
        "$set" => Kind::Set(check_value(v, at)?),
        "$setOnInsert" => Kind::SetOnInsert(check_value(v, at)?),
        "$unset" => Kind::Unset,
        "$inc" => Kind::Inc(number(v, at, "increment")?),
        "$mul" => Kind::Mul(number(v, at, "multiply")?),
        "$min" => Kind::Min(check_value(v, at)?),
        "$max" => Kind::Max(check_value(v, at)?),
        "$push" => parse_push(v, at)?,
        "$addToSet" => parse_add_to_set(v, at)?,
        "$pull" => Kind::Pull(parse_pull(v, at)?),
        "$pullAll" => match v {
            Value::Array(items) => Kind::PullAll(items.iter().map(|x| check_value(x, at)).collect::<Result<_, _>>()?),
            _ => return err(at, "$pullAll requires an array argument"),
        },
        "$pop" => match integer(v, at, "$pop") {
            Ok(1) => Kind::Pop(false),
            Ok(-1) => Kind::Pop(true),
            _ => return err(at, "$pop expects 1 or -1"),
        },
        _ => return err(at, format!("unknown update operator: {op}")),
    })
}

impl Update {
    /// Parses an update document. Errors (naming the path under `prefix`):
    /// not an object, no `$` operator, `$` and non-`$` keys mixed, unknown
    /// or unsupported operators, bad operands, invalid or positional paths,
    /// and conflicting paths (the same path, or one a prefix of another,
    /// across all operators).
    pub fn parse(v: &Value, prefix: &str) -> Result<Update, QueryError> {
        let Value::Object(ops) = v else {
            return err(prefix, "an update must be an object");
        };
        if ops.is_empty() || !ops.keys().any(|k| k.starts_with('$')) {
            return err(
                prefix,
                "an update must use update operators such as $set (use a replacement to replace the document)",
            );
        }
        let mut actions = Vec::new();
        for (op, fields) in ops {
            let op_at = join(prefix, op);
            if !op.starts_with('$') {
                return err(&op_at, "an update cannot mix update operators and plain fields");
            }
            if matches!(op.as_str(), "$currentDate" | "$bit") {
                return err(&op_at, format!("{op} is not supported"));
            }
            let Value::Object(fields) = fields else {
                return err(&op_at, format!("{op} needs an object of fields"));
            };
            for (path, arg) in fields {
                let at = join(&op_at, path);
                let parts = check_path(path, &at)?;
                if op == "$rename" {
                    let Value::String(to) = arg else {
                        return err(&at, "$rename target must be a string");
                    };
                    let to_parts = check_path(to, &at)?;
                    actions.push(Action { parts: to_parts, at: at.clone(), kind: Kind::RenameTo(parts.clone()) });
                    actions.push(Action { parts, at, kind: Kind::RenameFrom });
                    continue;
                }
                let kind = parse_kind(op, arg, &at)?;
                actions.push(Action { parts, at, kind });
            }
        }
        actions.sort_by(|a, b| cmp_parts(&a.parts, &b.parts));
        for w in actions.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            if b.parts.starts_with(&a.parts) {
                return err(
                    &b.at,
                    format!(
                        "updating the path '{}' would create a conflict at '{}'",
                        b.parts.join("."),
                        a.parts.join(".")
                    ),
                );
            }
        }
        Ok(Update { actions })
    }

    /// Applies to `doc` in place; returns `Ok(true)` if the document changed
    /// (compared as exact JSON: `1` → `1.0` is a change). On `Err` the
    /// document is unchanged. `is_insert` enables `$setOnInsert`.
    ///
    /// `$inc`/`$mul` keep integers exact; a result outside i64 from two
    /// i64 operands is an error (as MongoDB's long overflow), one outside
    /// [-2^63, 2^64-1] otherwise is an error too; with a float operand the
    /// result is a float. Changing `_id` is an error.
    pub fn apply(&self, doc: &mut Document, is_insert: bool) -> Result<bool, QueryError> {
        let mut work = doc.clone();
        for a in &self.actions {
            apply::apply_action(&mut work, doc, a, is_insert)?;
        }
        match (doc.get("_id"), work.get("_id")) {
            (Some(old), new) if Some(old) != new => {
                let at = self
                    .actions
                    .iter()
                    .find(|a| a.parts.first().is_some_and(|p| p == "_id"))
                    .map_or("_id", |a| a.at.as_str());
                return err(at, "performing an update on the path '_id' would modify the immutable field '_id'");
            }
            (None, Some(new)) if !matches!(new, Value::String(_) | Value::Number(_)) => {
                return err("_id", "_id must be a string or a number");
            }
            _ => {}
        }
        if work == *doc {
            return Ok(false);
        }
        *doc = work;
        Ok(true)
    }

    /// The seed document for an upsert: the equality fields of `filter`
    /// (top level and inside top-level `$and`s), dotted paths expanded into
    /// nested objects, `_id` first. Equalities on conflicting paths or whose
    /// values are not storable are skipped. Apply the update to it with
    /// `apply(.., true)`.
    pub fn upsert_seed(filter: &Filter) -> Document {
        let mut eqs = filter.equalities();
        eqs.sort_by_key(|(p, _)| *p != "_id" && !p.starts_with("_id."));
        let mut seed = Document::new();
        for (path, value) in eqs {
            let Ok(parts) = check_path(path, "") else {
                continue;
            };
            let Ok(value) = check_value(value, "") else {
                continue;
            };
            apply::seed_insert(&mut seed, &parts, value);
        }
        seed
    }
}

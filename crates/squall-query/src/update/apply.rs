//! Applying update actions to a working copy of a document: navigation
//! (creating intermediate objects, padding arrays), and each operator's
//! MongoDB semantics at its target.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::arith::{Op, compute, zero_like};
use super::{Action, Kind, PullCond, PushSort};
use crate::QueryError;
use crate::error::err;
use crate::filter::eval::{eval, single};
use crate::path::as_index;
use crate::value::{bson_type, compare_values, values_equal};

/// The container holding the target field.
enum Parent<'a> {
    Obj(&'a mut Map<String, Value>),
    Arr(&'a mut Vec<Value>),
}

fn describe(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 { format!("{}...", s.chars().take(77).collect::<String>()) } else { s }
}

/// Navigates to the parent of the last component. With `create`, missing
/// objects are created (arrays padded with null); without, a missing or
/// blocked path gives `None`. `no_arrays` rejects traversing arrays
/// (`$rename`).
fn parent<'a>(
    root: &'a mut Map<String, Value>,
    parts: &[String],
    create: bool,
    no_arrays: bool,
    at: &str,
) -> Result<Option<Parent<'a>>, QueryError> {
    let Some((_, inner)) = parts.split_last() else {
        return Ok(None);
    };
    let mut cur = Parent::Obj(root);
    for (depth, part) in inner.iter().enumerate() {
        let next: &mut Value = match cur {
            Parent::Obj(m) => {
                if !m.contains_key(part) {
                    if !create {
                        return Ok(None);
                    }
                    m.insert(part.clone(), Value::Object(Map::new()));
                }
                match m.get_mut(part) {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            Parent::Arr(a) => {
                if no_arrays {
                    return err(at, "$rename cannot move a field inside an array");
                }
                let Some(i) = as_index(part) else {
                    if create {
                        return err(at, format!("cannot create field '{part}' in an array"));
                    }
                    return Ok(None);
                };
                if i >= a.len() {
                    if !create {
                        return Ok(None);
                    }
                    a.resize(i, Value::Null);
                    a.push(Value::Object(Map::new()));
                }
                match a.get_mut(i) {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
        };
        cur = match next {
            Value::Object(m) => Parent::Obj(m),
            Value::Array(a) => Parent::Arr(a),
            other if create => {
                // As MongoDB words it: the field that cannot be created, in
                // the element that blocks it (`{a: 5}` for `a.b`).
                let child = parts.get(depth + 1).map_or("", String::as_str);
                return err(at, format!("cannot create field '{child}' in element {{{part}: {}}}", describe(other)));
            }
            _ => return Ok(None),
        };
    }
    Ok(Some(cur))
}

/// The current value of the last component in `p`.
fn current<'a>(p: &'a Parent<'_>, last: &str) -> Option<&'a Value> {
    match p {
        Parent::Obj(m) => m.get(last),
        Parent::Arr(a) => as_index(last).and_then(|i| a.get(i)),
    }
}

/// Writes the last component (replacing in place, appending when new).
fn write(p: &mut Parent<'_>, last: &str, v: Value, at: &str) -> Result<(), QueryError> {
    match p {
        Parent::Obj(m) => {
            if let Some(slot) = m.get_mut(last) {
                *slot = v;
            } else {
                m.insert(last.to_string(), v);
            }
            Ok(())
        }
        Parent::Arr(a) => {
            let Some(i) = as_index(last) else {
                return err(at, format!("cannot create field '{last}' in an array"));
            };
            if i < a.len() {
                a[i] = v;
            } else {
                a.resize(i, Value::Null);
                a.push(v);
            }
            Ok(())
        }
    }
}

/// The value at `parts` in `doc`, following objects and array positions.
fn get<'a>(doc: &'a Map<String, Value>, parts: &[String]) -> Option<&'a Value> {
    let (first, rest) = parts.split_first()?;
    let mut cur = doc.get(first)?;
    for p in rest {
        cur = match cur {
            Value::Object(m) => m.get(p)?,
            Value::Array(a) => a.get(as_index(p)?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn type_name(v: &Value) -> &'static str {
    bson_type(v).name()
}

fn arith(op: Op, cur: Option<&Value>, arg: &Value, at: &str) -> Result<Value, QueryError> {
    let (name, Value::Number(n)) = (if matches!(op, Op::Add) { "$inc" } else { "$mul" }, arg) else {
        return err(at, "the argument must be a number");
    };
    match cur {
        None => Ok(match op {
            Op::Add => arg.clone(),
            Op::Mul => zero_like(n),
        }),
        Some(Value::Number(c)) => compute(op, c, n).or_else(|m| err(at, format!("cannot apply {name}: {m}"))),
        Some(other) => err(at, format!("cannot apply {name} to a value of non-numeric type {}", type_name(other))),
    }
}

fn push(mut arr: Vec<Value>, kind: &Kind) -> Vec<Value> {
    let Kind::Push { each, position, slice, sort } = kind else {
        return arr;
    };
    let len = arr.len() as i64;
    let at = match position {
        None => len,
        Some(p) if *p >= 0 => (*p).min(len),
        Some(p) => (len + p).max(0),
    };
    let at = usize::try_from(at).unwrap_or(arr.len());
    arr.splice(at..at, each.iter().cloned());
    match sort {
        Some(PushSort::Value(asc)) => arr.sort_by(|a, b| {
            let o = compare_values(a, b);
            if *asc { o } else { o.reverse() }
        }),
        Some(PushSort::Fields(s)) => {
            let empty = Map::new();
            arr.sort_by(|a, b| {
                let da = a.as_object().unwrap_or(&empty);
                let db = b.as_object().unwrap_or(&empty);
                s.compare(da, db)
            });
        }
        None => {}
    }
    if let Some(s) = slice {
        let n = usize::try_from(s.unsigned_abs()).unwrap_or(usize::MAX);
        if *s >= 0 {
            arr.truncate(n);
        } else if n < arr.len() {
            arr.drain(..arr.len() - n);
        }
    }
    arr
}

fn pull_matches(cond: &PullCond, e: &Value) -> bool {
    match cond {
        PullCond::Eq(v) => values_equal(e, v),
        PullCond::Ops(preds) => preds.iter().all(|p| single(p, Some(e))),
        PullCond::Query(exprs) => match e {
            Value::Object(m) => exprs.iter().all(|x| eval(x, m)),
            _ => false,
        },
    }
}

fn require_array<'a>(cur: Option<&'a Value>, op: &str, at: &str) -> Result<Option<&'a Vec<Value>>, QueryError> {
    match cur {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(other) => err(at, format!("{op} needs an array but the field is of type {}", type_name(other))),
    }
}

/// Applies one action to `work`; `original` is the document before the
/// update (the source of `$rename` values).
pub(crate) fn apply_action(
    work: &mut Map<String, Value>,
    original: &Map<String, Value>,
    a: &Action,
    is_insert: bool,
) -> Result<(), QueryError> {
    let Some(last) = a.parts.last() else {
        return Ok(());
    };
    let at = a.at.as_str();
    let creates = !matches!(a.kind, Kind::Unset | Kind::RenameFrom | Kind::Pull(_) | Kind::PullAll(_) | Kind::Pop(_));
    let rename_value = match &a.kind {
        Kind::RenameTo(from) => match get(original, from) {
            None => return Ok(()),
            Some(v) => Some(v.clone()),
        },
        Kind::SetOnInsert(_) if !is_insert => return Ok(()),
        _ => None,
    };
    let renaming = matches!(a.kind, Kind::RenameTo(_) | Kind::RenameFrom);
    let Some(mut p) = parent(work, &a.parts, creates, renaming, at)? else {
        return Ok(());
    };
    if renaming && matches!(p, Parent::Arr(_)) {
        return err(at, "$rename cannot move a field inside an array");
    }
    let cur = current(&p, last);
    let new = match &a.kind {
        Kind::Set(v) | Kind::SetOnInsert(v) => v.clone(),
        Kind::RenameTo(_) => rename_value.unwrap_or(Value::Null),
        Kind::Inc(v) => arith(Op::Add, cur, v, at)?,
        Kind::Mul(v) => arith(Op::Mul, cur, v, at)?,
        Kind::Min(v) | Kind::Max(v) => {
            let want = if matches!(a.kind, Kind::Min(_)) { Ordering::Less } else { Ordering::Greater };
            match cur {
                Some(c) if compare_values(v, c) != want => return Ok(()),
                _ => v.clone(),
            }
        }
        Kind::Push { .. } => {
            let arr = require_array(cur, "$push", at)?.cloned().unwrap_or_default();
            Value::Array(push(arr, &a.kind))
        }
        Kind::AddToSet(each) => {
            let mut arr = require_array(cur, "$addToSet", at)?.cloned().unwrap_or_default();
            for v in each {
                if !arr.iter().any(|e| values_equal(e, v)) {
                    arr.push(v.clone());
                }
            }
            Value::Array(arr)
        }
        Kind::Pull(cond) => {
            let Some(arr) = require_array(cur, "$pull", at)? else {
                return Ok(());
            };
            Value::Array(arr.iter().filter(|e| !pull_matches(cond, e)).cloned().collect())
        }
        Kind::PullAll(vals) => {
            let Some(arr) = require_array(cur, "$pullAll", at)? else {
                return Ok(());
            };
            Value::Array(arr.iter().filter(|e| !vals.iter().any(|v| values_equal(e, v))).cloned().collect())
        }
        Kind::Pop(first) => {
            let Some(arr) = require_array(cur, "$pop", at)? else {
                return Ok(());
            };
            let mut arr = arr.clone();
            if *first {
                if !arr.is_empty() {
                    arr.remove(0);
                }
            } else {
                arr.pop();
            }
            Value::Array(arr)
        }
        Kind::Unset | Kind::RenameFrom => {
            match &mut p {
                Parent::Obj(m) => {
                    m.shift_remove(last);
                }
                Parent::Arr(arr) => {
                    if let Some(slot) = as_index(last).and_then(|i| arr.get_mut(i)) {
                        *slot = Value::Null;
                    }
                }
            }
            return Ok(());
        }
    };
    write(&mut p, last, new, at)
}

/// Inserts an upsert-seed equality, creating objects; skips conflicts.
pub(crate) fn seed_insert(seed: &mut Map<String, Value>, parts: &[String], value: Value) {
    let Some((last, inner)) = parts.split_last() else {
        return;
    };
    let mut cur = seed;
    for part in inner {
        let slot = cur.entry(part.clone()).or_insert_with(|| Value::Object(Map::new()));
        match slot {
            Value::Object(m) => cur = m,
            _ => return,
        }
    }
    if !cur.contains_key(last) {
        cur.insert(last.clone(), value);
    }
}

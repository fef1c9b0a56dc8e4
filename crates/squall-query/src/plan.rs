//! The planner: which encoded-key ranges of an index can hold every document
//! a filter matches (a superset; the caller re-checks with `Filter::matches`).
//!
//! Only top-level conjuncts (and those of top-level `$and`s) on an indexed
//! path are used: equality and `$in` of non-array values give points, one
//! comparison gives a range bounded to its operand's type bracket. Since an
//! index may be multikey, two comparisons on one field are never
//! intersected (`{a: {$gt: 5, $lt: 3}}` matches `a: [1, 7]`): one is used.

use serde_json::Value;

use crate::filter::{CmpOp, Expr, Pred};
use crate::keys::{T_NULL, encode_key, type_byte};
use crate::sort::SortDirection;
use crate::{Filter, IndexSpec};

/// The most point combinations a compound plan expands to.
const MAX_PREFIXES: usize = 1000;

/// One end of a key range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyBound {
    /// No bound.
    Unbounded,
    /// Keys >= (start) or <= (end) these bytes.
    Included(Vec<u8>),
    /// Keys > (start) or < (end) these bytes.
    Excluded(Vec<u8>),
}

/// A range of encoded keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// The lower end.
    pub start: KeyBound,
    /// The upper end.
    pub end: KeyBound,
}

/// A bound on values of one field, in ascending value order.
#[derive(Debug, Clone)]
enum VBound {
    /// The start (as a lower bound) or end (as an upper bound) of a bracket.
    Bracket(u8),
    Incl(Value),
    Excl(Value),
}

#[derive(Debug, Clone)]
struct Interval {
    lo: VBound,
    hi: VBound,
    point: bool,
}

fn point(v: &Value) -> Interval {
    Interval { lo: VBound::Incl(v.clone()), hi: VBound::Incl(v.clone()), point: true }
}

/// The intervals one predicate confines a field's keys to, if expressible.
fn pred_intervals(p: &Pred) -> Option<Vec<Interval>> {
    match p {
        Pred::Eq(x) if !x.is_array() => Some(vec![point(x)]),
        Pred::In(xs) if !xs.iter().any(Value::is_array) => Some(xs.iter().map(point).collect()),
        Pred::Cmp(op, x) if !x.is_array() => {
            if x.is_null() {
                return Some(match op {
                    CmpOp::Gte | CmpOp::Lte => vec![point(x)],
                    CmpOp::Gt | CmpOp::Lt => vec![],
                });
            }
            let t = type_byte(x);
            let (lo, hi) = match op {
                CmpOp::Gt => (VBound::Excl(x.clone()), VBound::Bracket(t)),
                CmpOp::Gte => (VBound::Incl(x.clone()), VBound::Bracket(t)),
                CmpOp::Lt => (VBound::Bracket(t), VBound::Excl(x.clone())),
                CmpOp::Lte => (VBound::Bracket(t), VBound::Incl(x.clone())),
            };
            Some(vec![Interval { lo, hi, point: false }])
        }
        _ => None,
    }
}

fn collect_preds<'a>(clauses: &'a [Expr], path: &str, out: &mut Vec<&'a Pred>) {
    for c in clauses {
        match c {
            Expr::Path { path: p, preds, .. } if p == path => out.extend(preds.iter()),
            Expr::And(inner) => collect_preds(inner, path, out),
            _ => {}
        }
    }
}

/// The best single constraint on `path`: the smallest point set, else the
/// first range.
fn field_constraint(clauses: &[Expr], path: &str) -> Option<Vec<Interval>> {
    let mut preds = Vec::new();
    collect_preds(clauses, path, &mut preds);
    let mut best: Option<Vec<Interval>> = None;
    for p in preds {
        let Some(iv) = pred_intervals(p) else {
            continue;
        };
        let all_points = iv.iter().all(|i| i.point);
        best = match best {
            None => Some(iv),
            Some(b) => {
                let b_points = b.iter().all(|i| i.point);
                if all_points && (!b_points || iv.len() < b.len()) { Some(iv) } else { Some(b) }
            }
        };
    }
    best
}

fn enc(v: &Value, dir: SortDirection) -> Vec<u8> {
    let mut b = Vec::new();
    encode_key(v, &mut b);
    if dir == SortDirection::Descending {
        b.iter_mut().for_each(|x| *x = !*x);
    }
    b
}

/// The smallest byte string greater than every string starting with `b`
/// (`None` when `b` is all 0xFF bytes): the exclusive end of a prefix range.
pub fn key_successor(b: &[u8]) -> Option<Vec<u8>> {
    let mut v = b.to_vec();
    while let Some(last) = v.pop() {
        if last != 0xFF {
            v.push(last + 1);
            return Some(v);
        }
    }
    None
}

/// Byte-level bounds of one field's component: `Prefix(b)` = from the first
/// key starting with b, `After(b)` = after every key starting with b,
/// `Through(b)` = up to the last key starting with b, `Before(b)` = below b.
enum FLo {
    Prefix(Vec<u8>),
    After(Vec<u8>),
}
enum FHi {
    Through(Vec<u8>),
    Before(Vec<u8>),
}

fn field_bounds(iv: &Interval, dir: SortDirection) -> (FLo, FHi) {
    let asc = dir == SortDirection::Ascending;
    let lo_bytes = |b: &VBound| match b {
        VBound::Bracket(t) if asc => FLo::Prefix(vec![*t]),
        VBound::Bracket(t) => FLo::Prefix(vec![!*t]),
        VBound::Incl(x) => FLo::Prefix(enc(x, dir)),
        VBound::Excl(x) => FLo::After(enc(x, dir)),
    };
    let hi_bytes = |b: &VBound| match b {
        VBound::Bracket(t) if asc => FHi::Before(vec![t.wrapping_add(1)]),
        VBound::Bracket(t) => FHi::Through(vec![!*t]),
        VBound::Incl(x) => FHi::Through(enc(x, dir)),
        VBound::Excl(x) => FHi::Before(enc(x, dir)),
    };
    if asc { (lo_bytes(&iv.lo), hi_bytes(&iv.hi)) } else { (lo_bytes(&iv.hi), hi_bytes(&iv.lo)) }
}

/// A half-open byte range [start, end) (end `None` = unbounded).
type Raw = (Vec<u8>, Option<Vec<u8>>);

fn cat(p: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = p.to_vec();
    v.extend_from_slice(b);
    v
}

fn ranged(prefix: &[u8], iv: &Interval, dir: SortDirection) -> Option<Raw> {
    let (lo, hi) = field_bounds(iv, dir);
    let start = match lo {
        FLo::Prefix(b) => cat(prefix, &b),
        FLo::After(b) => key_successor(&cat(prefix, &b))?,
    };
    let end = match hi {
        FHi::Through(b) => key_successor(&cat(prefix, &b)),
        FHi::Before(b) => Some(cat(prefix, &b)),
    };
    Some((start, end))
}

fn finish(mut raws: Vec<Raw>) -> Vec<KeyRange> {
    raws.retain(|(s, e)| e.as_ref().is_none_or(|e| s < e));
    raws.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<Raw> = Vec::new();
    for (s, e) in raws {
        if let Some(last) = merged.last_mut()
            && last.1.as_ref().is_none_or(|le| &s <= le)
        {
            last.1 = match (&last.1, e) {
                (None, _) | (_, None) => None,
                (Some(a), Some(b)) => Some(if *a >= b { a.clone() } else { b }),
            };
            continue;
        }
        merged.push((s, e));
    }
    merged
        .into_iter()
        .map(|(s, e)| KeyRange { start: KeyBound::Included(s), end: e.map_or(KeyBound::Unbounded, KeyBound::Excluded) })
        .collect()
}

impl Filter {
    /// The key ranges of `index` that hold every matching document, sorted
    /// and non-overlapping; `None` when this index cannot narrow the filter.
    ///
    /// Uses points (equality, `$in`, `$gte/$lte: null`) on a prefix of the
    /// index fields, then at most one range on the next field. Ranges are
    /// returned as `[Included(start), Excluded(end) | Unbounded)`.
    pub fn index_ranges(&self, index: &IndexSpec) -> Option<Vec<KeyRange>> {
        let mut prefixes: Vec<Vec<u8>> = vec![Vec::new()];
        let mut used_any = false;
        for (path, dir) in &index.fields {
            let Some(ivs) = field_constraint(&self.clauses, path) else {
                break;
            };
            if ivs.is_empty() {
                return Some(Vec::new());
            }
            if ivs.iter().all(|i| i.point) {
                if prefixes.len().saturating_mul(ivs.len()) > MAX_PREFIXES {
                    break;
                }
                let mut comps: Vec<Vec<u8>> = ivs
                    .iter()
                    .map(|i| match &i.lo {
                        VBound::Incl(x) => enc(x, *dir),
                        _ => vec![T_NULL],
                    })
                    .collect();
                comps.sort();
                comps.dedup();
                prefixes = prefixes.iter().flat_map(|p| comps.iter().map(move |c| cat(p, c))).collect();
                used_any = true;
                continue;
            }
            let raws = prefixes.iter().flat_map(|p| ivs.iter().filter_map(move |iv| ranged(p, iv, *dir))).collect();
            return Some(finish(raws));
        }
        if !used_any {
            return None;
        }
        let raws = prefixes.into_iter().map(|p| {
            let e = key_successor(&p);
            (p, e)
        });
        Some(finish(raws.collect()))
    }
}

//! Conformance tables for sort, projection, index keys, the planner and the
//! document rules (each case names itself in its assertion message).

mod common;

use std::cmp::Ordering;

use common::doc;
use serde_json::{Value, json};
use squall_query::{Filter, IndexSpec, KeyBound, Projection, Sort, check_integer_range, encode_key, validate_document};

fn sorted(spec: Value, docs: Vec<Value>) -> Vec<Value> {
    let s = Sort::parse(&spec, "sort").expect("sort");
    let mut ds: Vec<_> = docs.into_iter().map(doc).collect();
    ds.sort_by(|a, b| s.compare(a, b));
    ds.into_iter().map(Value::Object).collect()
}

#[test]
fn sort_conformance() {
    // Manual: BSON comparison order, missing sorts as null.
    let got = sorted(
        json!({"a": 1}),
        vec![
            json!({"a": true}),
            json!({"a": [5]}),
            json!({"a": {"x": 1}}),
            json!({"a": "s"}),
            json!({"a": 2.5}),
            json!({}),
            json!({"a": null}),
        ],
    );
    let want = vec![
        json!({}),
        json!({"a": null}),
        json!({"a": 2.5}),
        json!({"a": [5]}),
        json!({"a": "s"}),
        json!({"a": {"x": 1}}),
        json!({"a": true}),
    ];
    // [5] sorts by its element 5 (a number) ascending; {} and null tie in insertion order.
    assert_eq!(got, want, "cross-type ascending with array min element");
    // DOCS-2760: ascending: [] < missing < [0, 1] < 1 == [1]
    let got = sorted(
        json!({"a": 1}),
        vec![json!({}), json!({"a": 1}), json!({"a": []}), json!({"a": [1]}), json!({"a": [0, 1]})],
    );
    assert_eq!(
        got,
        vec![json!({"a": []}), json!({}), json!({"a": [0, 1]}), json!({"a": 1}), json!({"a": [1]})],
        "empty array below null ascending"
    );
    let got = sorted(
        json!({"a": -1}),
        vec![json!({}), json!({"a": 1}), json!({"a": []}), json!({"a": [1]}), json!({"a": [0, 1]})],
    );
    assert_eq!(
        got,
        vec![json!({"a": 1}), json!({"a": [1]}), json!({"a": [0, 1]}), json!({}), json!({"a": []})],
        "descending by max element"
    );
    let got = sorted(
        json!({"a.b": 1, "c": -1}),
        vec![json!({"a": [{"b": 3}], "c": 1}), json!({"a": {"b": 1}, "c": 1}), json!({"a": {"b": 1}, "c": 2})],
    );
    assert_eq!(
        got,
        vec![json!({"a": {"b": 1}, "c": 2}), json!({"a": {"b": 1}, "c": 1}), json!({"a": [{"b": 3}], "c": 1})],
        "dotted compound"
    );
    let got = sorted(
        json!({"n": 1}),
        vec![json!({"n": 9007199254740993u64}), json!({"n": 9007199254740992.0}), json!({"n": -0.5})],
    );
    assert_eq!(
        got,
        vec![json!({"n": -0.5}), json!({"n": 9007199254740992.0}), json!({"n": 9007199254740993u64})],
        "exact numbers"
    );
    let s = Sort::parse(&json!({"a": 1, "b": -1}), "sort").expect("sort");
    assert_eq!(s.fields().len(), 2);
    assert!(Sort::parse(&json!({}), "sort").expect("sort").is_empty());
    assert_eq!(s.compare(&doc(json!({"a": 1})), &doc(json!({"a": 1.0}))), Ordering::Equal, "ties are Equal");
    for (name, bad, path) in [
        ("direction 2", json!({"a": 2}), "sort.a"),
        ("direction string", json!({"a": "asc"}), "sort.a"),
        ("meta", json!({"a": {"$meta": "textScore"}}), "sort.a"),
        ("empty path", json!({"": 1}), "sort."),
        ("dollar path", json!({"$a": 1}), "sort.$a"),
        ("not object", json!([1]), "sort"),
    ] {
        let e = Sort::parse(&bad, "sort").err();
        assert_eq!(e.map(|e| e.path), Some(path.to_string()), "sort error case {name}");
    }
}

fn project(spec: Value, d: Value) -> String {
    let p = Projection::parse(&spec, "projection").expect("projection");
    serde_json::to_string(&p.apply(&doc(d))).expect("json")
}

#[test]
fn projection_conformance() {
    let d = json!({"_id": 1, "item": "abc", "status": "A", "size": {"h": 14, "w": 21, "uom": "cm"}, "instock": [{"warehouse": "A", "qty": 5}, {"warehouse": "C", "qty": 15}, 7]});
    let cases = [
        ("inclusion keeps _id", json!({"item": 1, "status": 1}), r#"{"_id":1,"item":"abc","status":"A"}"#),
        ("inclusion doc order", json!({"status": 1, "item": true}), r#"{"_id":1,"item":"abc","status":"A"}"#),
        ("inclusion without _id", json!({"item": 1, "_id": 0}), r#"{"item":"abc"}"#),
        (
            "exclusion",
            json!({"status": 0, "instock": 0}),
            r#"{"_id":1,"item":"abc","size":{"h":14,"w":21,"uom":"cm"}}"#,
        ),
        ("exclude _id only", json!({"_id": 0, "size": 0, "instock": 0}), r#"{"item":"abc","status":"A"}"#),
        ("embedded inclusion", json!({"size.uom": 1}), r#"{"_id":1,"size":{"uom":"cm"}}"#),
        (
            "embedded exclusion",
            json!({"size.uom": 0}),
            r#"{"_id":1,"item":"abc","status":"A","size":{"h":14,"w":21},"instock":[{"warehouse":"A","qty":5},{"warehouse":"C","qty":15},7]}"#,
        ),
        ("array inclusion", json!({"instock.qty": 1, "_id": false}), r#"{"instock":[{"qty":5},{"qty":15}]}"#),
        (
            "array exclusion",
            json!({"instock.qty": 0, "_id": 0, "item": 0, "status": 0, "size": 0}),
            r#"{"instock":[{"warehouse":"A"},{"warehouse":"C"},7]}"#,
        ),
        ("only _id", json!({"_id": 1}), r#"{"_id":1}"#),
        (
            "empty",
            json!({}),
            r#"{"_id":1,"item":"abc","status":"A","size":{"h":14,"w":21,"uom":"cm"},"instock":[{"warehouse":"A","qty":5},{"warehouse":"C","qty":15},7]}"#,
        ),
        ("missing field", json!({"nope": 1}), r#"{"_id":1}"#),
        ("scalar under path", json!({"item.x": 1}), r#"{"_id":1}"#),
    ];
    for (name, spec, want) in cases {
        assert_eq!(project(spec, d.clone()), want, "projection case {name}");
    }
    for (name, bad, path) in [
        ("mixed", json!({"a": 1, "b": 0}), "projection.b"),
        ("mixed rev", json!({"a": 0, "b": 1}), "projection.b"),
        ("collision", json!({"a": 1, "a.b": 1}), "projection.a.b"),
        ("slice", json!({"a": {"$slice": 1}}), "projection.a"),
        ("positional", json!({"a.$": 1}), "projection.a.$"),
        ("expression", json!({"a": "x"}), "projection.a"),
    ] {
        let e = Projection::parse(&bad, "projection").err();
        assert_eq!(e.map(|e| e.path), Some(path.to_string()), "projection error case {name}");
    }
}

fn keys(spec: Value, d: Value) -> Result<Vec<Vec<u8>>, String> {
    IndexSpec::parse(&spec).map_err(|e| e.to_string())?.keys(&doc(d)).map_err(|e| e.to_string())
}

fn enc(v: Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_key(&v, &mut out);
    out
}

#[test]
fn index_key_conformance() {
    assert_eq!(keys(json!({"a": 1}), json!({"a": 1})), keys(json!({"a": 1}), json!({"a": 1.0})), "1 and 1.0 collide");
    assert_eq!(keys(json!({"a": 1}), json!({})), keys(json!({"a": 1}), json!({"a": null})), "missing indexes as null");
    assert_eq!(keys(json!({"a": 1}), json!({"a": [1, 2, 1]})).map(|k| k.len()), Ok(2), "multikey, deduplicated");
    assert_eq!(
        keys(json!({"a": 1}), json!({"a": [1, 2]})).ok().map(|k| k.contains(&enc(json!(2)))),
        Some(true),
        "element is a key"
    );
    assert_ne!(keys(json!({"a": 1}), json!({"a": []})), keys(json!({"a": 1}), json!({})), "empty array is not null");
    assert_eq!(
        keys(json!({"a.b": 1}), json!({"a": [{"b": 1}, {"c": 1}]})).map(|k| k.len()),
        Ok(2),
        "array of objects: 1 and null"
    );
    assert!(keys(json!({"a": 1, "b": 1}), json!({"a": [1, 2], "b": [1, 2]})).is_err(), "parallel arrays");
    assert_eq!(
        keys(json!({"a": 1, "b": 1}), json!({"a": [1, 2], "b": 3})).map(|k| k.len()),
        Ok(4 / 2),
        "compound multikey"
    );
    assert!(
        keys(json!({"a.b": 1, "a.c": 1}), json!({"a": [{"b": 1, "c": 2}]})).is_ok(),
        "shared array prefix is not parallel"
    );
    let asc = keys(json!({"a": 1}), json!({"a": 5})).unwrap_or_default();
    let desc = keys(json!({"a": -1}), json!({"a": 5})).unwrap_or_default();
    assert_eq!(asc.len(), 1);
    assert_eq!(
        desc.first().map(|k| k.iter().map(|b| !b).collect::<Vec<u8>>()),
        asc.first().cloned(),
        "descending inverts bytes"
    );
    for (name, bad) in [
        ("empty", json!({})),
        ("direction", json!({"a": 2})),
        ("path", json!({"a..b": 1})),
        ("dollar", json!({"$a": 1})),
        ("array", json!([1])),
    ] {
        assert!(IndexSpec::parse(&bad).is_err(), "index spec error case {name}");
    }
}

#[test]
fn planner_conformance() {
    let spec = IndexSpec::parse(&json!({"a": 1})).expect("spec");
    let ranges = |f: Value| Filter::parse(&f, "filter").expect("filter").index_ranges(&spec);
    assert!(ranges(json!({})).is_none(), "empty filter cannot narrow");
    assert!(ranges(json!({"b": 1})).is_none(), "other field");
    assert!(ranges(json!({"a": {"$ne": 1}})).is_none(), "$ne");
    assert!(ranges(json!({"a": [1, 2]})).is_none(), "array operand");
    assert!(ranges(json!({"$or": [{"a": 1}, {"b": 1}]})).is_none(), "$or across fields");
    let r = ranges(json!({"a": 5})).expect("point");
    assert_eq!(r.len(), 1, "one point range");
    assert_eq!(r[0].start, KeyBound::Included(enc(json!(5))), "point start");
    assert_eq!(ranges(json!({"a": {"$in": [1, 1.0, 2]}})).map(|r| r.len()), Some(2), "$in dedups equal numbers");
    assert_eq!(ranges(json!({"a": {"$in": []}})), Some(vec![]), "empty $in matches nothing");
    assert_eq!(ranges(json!({"a": {"$gt": 5}})).map(|r| r.len()), Some(1), "range");
    let spec2 = IndexSpec::parse(&json!({"a": 1, "b": -1})).expect("spec");
    let f = Filter::parse(&json!({"a": {"$in": [1, 2]}, "b": {"$gt": 3}}), "filter").expect("filter");
    assert_eq!(f.index_ranges(&spec2).map(|r| r.len()), Some(2), "compound points x range");
}

#[test]
fn document_rules() {
    let ok = [json!({"_id": "x", "a": {"b": [1, {"c": 2}]}}), json!({"_id": 1.5}), json!({}), json!({"a": ""})];
    for d in ok {
        assert!(validate_document(&d, 10).is_ok(), "valid document {d}");
    }
    let bad = [
        ("not object", json!([1]), "document"),
        ("dollar key", json!({"$a": 1}), "document.$a"),
        ("dot key", json!({"a.b": 1}), "document.a.b"),
        ("nested dollar", json!({"a": {"$b": 1}}), "document.a.$b"),
        ("dollar in array", json!({"a": [{"b": {"$c": 1}}]}), "document.a[0].b.$c"),
        ("id object", json!({"_id": {"a": 1}}), "document._id"),
        ("id array", json!({"_id": [1]}), "document._id"),
        ("id bool", json!({"_id": true}), "document._id"),
        ("id null", json!({"_id": null}), "document._id"),
    ];
    for (name, d, path) in bad {
        assert_eq!(
            validate_document(&d, 10).err().map(|e| e.path),
            Some(path.to_string()),
            "document rule case {name}"
        );
    }
    // Depth: top level is 1, each object/array one more.
    assert!(validate_document(&json!({"a": {"b": [1]}}), 3).is_ok(), "depth 3 allowed at 3");
    assert!(validate_document(&json!({"a": {"b": [1]}}), 2).is_err(), "depth 3 rejected at 2");
}

#[test]
fn integer_range_check() {
    let ok = [
        r#"{"a": 18446744073709551615}"#,
        r#"{"a": -9223372036854775808}"#,
        r#"{"a": 1e400, "b": 123456789012345678901234567890.5}"#,
        r#"{"a": "99999999999999999999999"}"#,
        r#"{"a": "\"99999999999999999999999"}"#,
        r#"[0, -0, 00000000000000000000000001]"#,
    ];
    for t in ok {
        assert!(check_integer_range(t.as_bytes()).is_ok(), "in range: {t}");
    }
    let bad =
        [r#"{"a": 18446744073709551616}"#, r#"{"a": -9223372036854775809}"#, r#"[1, "x\\", 99999999999999999999]"#];
    for t in bad {
        let e = check_integer_range(t.as_bytes());
        assert!(e.as_ref().is_err_and(|e| e.message.contains("integer out of range")), "out of range: {t}");
    }
}

#[test]
fn string_equality_is_recognised_only_for_one_top_level_string_equality() {
    let f = |v: Value| Filter::parse(&v, "filter").expect("filter");
    assert_eq!(f(json!({"name": "John"})).string_equality(), Some(("name", "John")));
    assert_eq!(f(json!({"name": {"$eq": "John"}})).string_equality(), Some(("name", "John")));
    for (case, filter) in [
        ("number", json!({"name": 1})),
        ("null", json!({"name": null})),
        ("dotted path", json!({"a.b": "John"})),
        ("two fields", json!({"name": "John", "age": 3})),
        ("two predicates", json!({"name": {"$eq": "John", "$ne": "x"}})),
        ("one-element $in", json!({"name": {"$in": ["John"]}})),
        ("$and", json!({"$and": [{"name": "John"}]})),
        ("array", json!({"name": ["John"]})),
        ("object", json!({"name": {"first": "John"}})),
        ("range", json!({"name": {"$gte": "John"}})),
        ("empty", json!({})),
    ] {
        assert_eq!(f(filter).string_equality(), None, "{case}");
    }
}

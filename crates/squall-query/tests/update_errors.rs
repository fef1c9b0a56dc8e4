//! Conformance table for rejected update documents: parse errors name the
//! offending path; apply errors leave the document unchanged.

mod common;

use common::doc;
use serde_json::{Value, json};
use squall_query::Update;

/// (name, update, expected error path) for updates rejected at parse.
fn parse_errors() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        ("no operator", json!({"a": 1}), "update"),
        ("empty", json!({}), "update"),
        ("mixed", json!({"$set": {"a": 1}, "b": 2}), "update.b"),
        ("unknown", json!({"$foo": {"a": 1}}), "update.$foo.a"),
        ("currentDate", json!({"$currentDate": {"a": true}}), "update.$currentDate"),
        ("bit", json!({"$bit": {"a": {"and": 1}}}), "update.$bit"),
        ("not object", json!({"$set": 5}), "update.$set"),
        ("conflict same", json!({"$set": {"a": 1}, "$inc": {"a": 1}}), "update.$inc.a"),
        ("conflict prefix", json!({"$set": {"a": 1}, "$inc": {"a.b": 1}}), "update.$inc.a.b"),
        ("conflict rename", json!({"$rename": {"a": "b"}, "$set": {"b.c": 1}}), "update.$set.b.c"),
        ("rename same", json!({"$rename": {"a": "a"}}), "update.$rename.a"),
        ("positional", json!({"$set": {"a.$": 1}}), "update.$set.a.$"),
        ("all positional", json!({"$set": {"a.$[].b": 1}}), "update.$set.a.$[].b"),
        ("filtered positional", json!({"$set": {"a.$[x]": 1}}), "update.$set.a.$[x]"),
        ("dollar field", json!({"$set": {"a.$b": 1}}), "update.$set.a.$b"),
        ("empty component", json!({"$set": {"a..b": 1}}), "update.$set.a..b"),
        ("dollar key in value", json!({"$set": {"a": {"$x": 1}}}), "update.$set.a"),
        ("dot key in value", json!({"$set": {"a": [{"b.c": 1}]}}), "update.$set.a"),
        ("inc string", json!({"$inc": {"a": "1"}}), "update.$inc.a"),
        ("mul null", json!({"$mul": {"a": null}}), "update.$mul.a"),
        ("pop 2", json!({"$pop": {"a": 2}}), "update.$pop.a"),
        ("rename not string", json!({"$rename": {"a": 1}}), "update.$rename.a"),
        ("each not array", json!({"$push": {"a": {"$each": 1}}}), "update.$push.a.$each"),
        ("push bad clause", json!({"$push": {"a": {"$each": [1], "$foo": 1}}}), "update.$push.a.$foo"),
        ("push bad slice", json!({"$push": {"a": {"$each": [1], "$slice": "x"}}}), "update.$push.a.$slice"),
        ("addToSet extra", json!({"$addToSet": {"a": {"$each": [1], "$slice": 1}}}), "update.$addToSet.a.$slice"),
        ("pullAll not array", json!({"$pullAll": {"a": 1}}), "update.$pullAll.a"),
        ("pull bad op", json!({"$pull": {"a": {"$foo": 1}}}), "update.$pull.a.$foo"),
    ]
}

#[test]
fn update_parse_error_table() {
    let mut failures = Vec::new();
    for (name, update, path) in parse_errors() {
        match Update::parse(&update, "update") {
            Ok(_) => failures.push(format!("{name}: {update} should be rejected")),
            Err(e) if e.path != path => failures.push(format!("{name}: path {} != {path} ({e})", e.path)),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// (name, update, document) for updates rejected at apply; the document
/// must come back unchanged.
fn apply_errors() -> Vec<(&'static str, Value, Value)> {
    vec![
        ("inc string", json!({"$inc": {"a": 1}}), json!({"_id": 1, "a": "x"})),
        ("inc null", json!({"$inc": {"a": 1}}), json!({"_id": 1, "a": null})),
        ("inc after set", json!({"$set": {"b": 1}, "$inc": {"a": 1}}), json!({"_id": 1, "a": "x"})),
        ("inc overflow", json!({"$inc": {"a": 1}}), json!({"_id": 1, "a": i64::MAX})),
        ("mul overflow", json!({"$mul": {"a": 4}}), json!({"_id": 1, "a": i64::MAX})),
        ("inc u64 overflow", json!({"$inc": {"a": 2}}), json!({"_id": 1, "a": u64::MAX})),
        ("mul bool", json!({"$mul": {"a": 2}}), json!({"_id": 1, "a": true})),
        ("push non array", json!({"$push": {"a": 1}}), json!({"_id": 1, "a": 1})),
        ("addToSet non array", json!({"$addToSet": {"a": 1}}), json!({"_id": 1, "a": {"b": 1}})),
        ("pull non array", json!({"$pull": {"a": 1}}), json!({"_id": 1, "a": 1})),
        ("pop non array", json!({"$pop": {"a": 1}}), json!({"_id": 1, "a": "s"})),
        ("set through scalar", json!({"$set": {"a.b": 1}}), json!({"_id": 1, "a": 5})),
        ("set through null", json!({"$set": {"a.b.c": 1}}), json!({"_id": 1, "a": {"b": null}})),
        ("set field in array", json!({"$set": {"a.b": 1}}), json!({"_id": 1, "a": [1]})),
        ("change id", json!({"$set": {"_id": 2}}), json!({"_id": 1})),
        ("change id type", json!({"$set": {"_id": 1.0}}), json!({"_id": 1})),
        ("unset id", json!({"$unset": {"_id": 1}}), json!({"_id": 1})),
        ("rename id", json!({"$rename": {"_id": "x"}}), json!({"_id": 1})),
        ("inc id", json!({"$inc": {"_id": 1}}), json!({"_id": 1})),
        ("rename in array", json!({"$rename": {"a.0": "b"}}), json!({"_id": 1, "a": [1]})),
        ("rename through array", json!({"$rename": {"a.b": "c"}}), json!({"_id": 1, "a": [{"b": 1}]})),
    ]
}

#[test]
fn update_apply_error_table() {
    let mut failures = Vec::new();
    for (name, update, before) in apply_errors() {
        let u = match Update::parse(&update, "update") {
            Ok(u) => u,
            Err(e) => {
                failures.push(format!("{name}: parse error {e}"));
                continue;
            }
        };
        let mut d = doc(before.clone());
        match u.apply(&mut d, false) {
            Ok(_) => failures.push(format!("{name}: {update} on {before} should fail, gave {}", Value::Object(d))),
            Err(_) if Value::Object(d.clone()) != before => failures.push(format!("{name}: document changed on error")),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

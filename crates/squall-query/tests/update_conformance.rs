//! Conformance table for update documents, from the MongoDB manual's
//! examples and rules (each case names itself in its assertion message).

mod common;

use common::doc;
use serde_json::{Value, json};
use squall_query::{Filter, Update};

/// (name, update, document before, expected document after)
fn cases() -> Vec<(&'static str, Value, Value, Value)> {
    vec![
        ("$set top", json!({"$set": {"a": 2}}), json!({"_id": 1, "a": 1}), json!({"_id": 1, "a": 2})),
        ("$set new appended", json!({"$set": {"c": 1}}), json!({"_id": 1, "b": 1}), json!({"_id": 1, "b": 1, "c": 1})),
        (
            "$set new lexicographic",
            json!({"$set": {"z": 1, "m": 2, "a.b": 3}}),
            json!({"_id": 1}),
            json!({"_id": 1, "a": {"b": 3}, "m": 2, "z": 1}),
        ),
        (
            "$set existing keeps place",
            json!({"$set": {"x": 9, "a": 0}}),
            json!({"_id": 1, "a": 1, "b": 2}),
            json!({"_id": 1, "a": 0, "b": 2, "x": 9}),
        ),
        (
            "$set embedded",
            json!({"$set": {"details.make": "Kustom"}}),
            json!({"_id": 1, "details": {"model": "14Q3"}}),
            json!({"_id": 1, "details": {"model": "14Q3", "make": "Kustom"}}),
        ),
        (
            "$set array index",
            json!({"$set": {"tags.1": "rain gear"}}),
            json!({"_id": 1, "tags": ["a", "b", "c"]}),
            json!({"_id": 1, "tags": ["a", "rain gear", "c"]}),
        ),
        (
            "$set array pad",
            json!({"$set": {"a.3": 1}}),
            json!({"_id": 1, "a": [0]}),
            json!({"_id": 1, "a": [0, null, null, 1]}),
        ),
        (
            "$set array element field",
            json!({"$set": {"a.0.b": 1}}),
            json!({"_id": 1, "a": [{"c": 1}]}),
            json!({"_id": 1, "a": [{"c": 1, "b": 1}]}),
        ),
        (
            "$set numeric key on object",
            json!({"$set": {"a.0": 1}}),
            json!({"_id": 1, "a": {}}),
            json!({"_id": 1, "a": {"0": 1}}),
        ),
        ("$set id same", json!({"$set": {"_id": 1}}), json!({"_id": 1}), json!({"_id": 1})),
        (
            "$unset",
            json!({"$unset": {"quantity": "", "instock": ""}}),
            json!({"_id": 1, "quantity": 5, "instock": true, "x": 1}),
            json!({"_id": 1, "x": 1}),
        ),
        (
            "$unset keeps order",
            json!({"$unset": {"a": 1}}),
            json!({"_id": 1, "a": 1, "b": 2, "c": 3}),
            json!({"_id": 1, "b": 2, "c": 3}),
        ),
        ("$unset missing", json!({"$unset": {"a.b": 1}}), json!({"_id": 1, "a": 5}), json!({"_id": 1, "a": 5})),
        (
            "$unset array element nulls",
            json!({"$unset": {"a.1": 1}}),
            json!({"_id": 1, "a": [1, 2, 3]}),
            json!({"_id": 1, "a": [1, null, 3]}),
        ),
        (
            "$inc",
            json!({"$inc": {"quantity": -2, "metrics.orders": 1}}),
            json!({"_id": 1, "quantity": 10, "metrics": {"orders": 2, "ratings": 3.5}}),
            json!({"_id": 1, "quantity": 8, "metrics": {"orders": 3, "ratings": 3.5}}),
        ),
        ("$inc missing creates", json!({"$inc": {"a": 5}}), json!({"_id": 1}), json!({"_id": 1, "a": 5})),
        ("$inc float", json!({"$inc": {"a": 0.5}}), json!({"_id": 1, "a": 1}), json!({"_id": 1, "a": 1.5})),
        (
            "$inc int by float whole",
            json!({"$inc": {"a": 1.0}}),
            json!({"_id": 1, "a": 1}),
            json!({"_id": 1, "a": 2.0}),
        ),
        (
            "$inc big exact",
            json!({"$inc": {"a": 1}}),
            json!({"_id": 1, "a": 9007199254740992i64}),
            json!({"_id": 1, "a": 9007199254740993i64}),
        ),
        (
            "$inc to u64",
            json!({"$inc": {"a": 1}}),
            json!({"_id": 1, "a": 18446744073709551614u64}),
            json!({"_id": 1, "a": 18446744073709551615u64}),
        ),
        (
            "$mul",
            json!({"$mul": {"price": 1.25, "qty": 2}}),
            json!({"_id": 1, "price": 10.5, "qty": 25}),
            json!({"_id": 1, "price": 13.125, "qty": 50}),
        ),
        ("$mul missing int", json!({"$mul": {"price": 100}}), json!({"_id": 1}), json!({"_id": 1, "price": 0})),
        ("$mul missing float", json!({"$mul": {"price": 1.5}}), json!({"_id": 1}), json!({"_id": 1, "price": 0.0})),
        (
            "$min lower",
            json!({"$min": {"lowScore": 150}}),
            json!({"_id": 1, "lowScore": 200}),
            json!({"_id": 1, "lowScore": 150}),
        ),
        (
            "$min higher",
            json!({"$min": {"lowScore": 250}}),
            json!({"_id": 1, "lowScore": 200}),
            json!({"_id": 1, "lowScore": 200}),
        ),
        ("$min cross type", json!({"$min": {"a": null}}), json!({"_id": 1, "a": 5}), json!({"_id": 1, "a": null})),
        ("$min missing", json!({"$min": {"a": 3}}), json!({"_id": 1}), json!({"_id": 1, "a": 3})),
        (
            "$max higher",
            json!({"$max": {"highScore": 950}}),
            json!({"_id": 1, "highScore": 800}),
            json!({"_id": 1, "highScore": 950}),
        ),
        ("$max equal keeps", json!({"$max": {"a": 1.0}}), json!({"_id": 1, "a": 1}), json!({"_id": 1, "a": 1})),
        (
            "$max string over number",
            json!({"$max": {"a": "x"}}),
            json!({"_id": 1, "a": 1000}),
            json!({"_id": 1, "a": "x"}),
        ),
        (
            "$rename",
            json!({"$rename": {"nmae": "name"}}),
            json!({"_id": 1, "nmae": "x", "b": 1}),
            json!({"_id": 1, "b": 1, "name": "x"}),
        ),
        (
            "$rename into embedded",
            json!({"$rename": {"a": "b.c"}}),
            json!({"_id": 1, "a": 1, "b": {"d": 2}}),
            json!({"_id": 1, "b": {"d": 2, "c": 1}}),
        ),
        (
            "$rename missing",
            json!({"$rename": {"wife": "spouse"}}),
            json!({"_id": 1, "a": 1}),
            json!({"_id": 1, "a": 1}),
        ),
        (
            "$rename overwrites",
            json!({"$rename": {"a": "b"}}),
            json!({"_id": 1, "a": 1, "b": 2}),
            json!({"_id": 1, "b": 1}),
        ),
        (
            "$push",
            json!({"$push": {"scores": 89}}),
            json!({"_id": 1, "scores": [44, 78]}),
            json!({"_id": 1, "scores": [44, 78, 89]}),
        ),
        ("$push missing", json!({"$push": {"scores": 89}}), json!({"_id": 1}), json!({"_id": 1, "scores": [89]})),
        (
            "$push array value",
            json!({"$push": {"a": [1, 2]}}),
            json!({"_id": 1, "a": []}),
            json!({"_id": 1, "a": [[1, 2]]}),
        ),
        (
            "$push $each",
            json!({"$push": {"scores": {"$each": [90, 92]}}}),
            json!({"_id": 1, "scores": [1]}),
            json!({"_id": 1, "scores": [1, 90, 92]}),
        ),
        (
            "$push $position",
            json!({"$push": {"s": {"$each": [20, 30], "$position": 2}}}),
            json!({"_id": 1, "s": [100]}),
            json!({"_id": 1, "s": [100, 20, 30]}),
        ),
        (
            "$push $position 0",
            json!({"$push": {"s": {"$each": [50, 60], "$position": 0}}}),
            json!({"_id": 1, "s": [100, 200]}),
            json!({"_id": 1, "s": [50, 60, 100, 200]}),
        ),
        (
            "$push $position negative",
            json!({"$push": {"s": {"$each": [90], "$position": -1}}}),
            json!({"_id": 1, "s": [50, 60, 70]}),
            json!({"_id": 1, "s": [50, 60, 90, 70]}),
        ),
        (
            "$push $slice",
            json!({"$push": {"s": {"$each": [80, 78, 86], "$slice": -5}}}),
            json!({"_id": 1, "s": [40, 50, 60]}),
            json!({"_id": 1, "s": [50, 60, 80, 78, 86]}),
        ),
        (
            "$push $slice front",
            json!({"$push": {"s": {"$each": [100, 20], "$slice": 3}}}),
            json!({"_id": 1, "s": [89, 90]}),
            json!({"_id": 1, "s": [89, 90, 100]}),
        ),
        (
            "$push $slice 0",
            json!({"$push": {"s": {"$each": [], "$slice": 0}}}),
            json!({"_id": 1, "s": [1]}),
            json!({"_id": 1, "s": []}),
        ),
        (
            "$push $sort fields",
            json!({"$push": {"q": {"$each": [{"id": 3, "score": 6}, {"id": 4, "score": 7}], "$sort": {"score": 1}}}}),
            json!({"_id": 1, "q": [{"id": 1, "score": 7}, {"id": 2, "score": 5}]}),
            json!({"_id": 1, "q": [{"id": 2, "score": 5}, {"id": 3, "score": 6}, {"id": 1, "score": 7}, {"id": 4, "score": 7}]}),
        ),
        (
            "$push $sort value",
            json!({"$push": {"t": {"$each": [40, 60], "$sort": -1}}}),
            json!({"_id": 1, "t": [89, 70]}),
            json!({"_id": 1, "t": [89, 70, 60, 40]}),
        ),
        (
            "$addToSet",
            json!({"$addToSet": {"colors": "mauve"}}),
            json!({"_id": 1, "colors": ["blue"]}),
            json!({"_id": 1, "colors": ["blue", "mauve"]}),
        ),
        (
            "$addToSet present",
            json!({"$addToSet": {"colors": "blue"}}),
            json!({"_id": 1, "colors": ["blue"]}),
            json!({"_id": 1, "colors": ["blue"]}),
        ),
        ("$addToSet 1.0", json!({"$addToSet": {"n": 1.0}}), json!({"_id": 1, "n": [1]}), json!({"_id": 1, "n": [1]})),
        (
            "$addToSet array value",
            json!({"$addToSet": {"letters": ["c", "d"]}}),
            json!({"_id": 1, "letters": ["a"]}),
            json!({"_id": 1, "letters": ["a", ["c", "d"]]}),
        ),
        (
            "$addToSet $each",
            json!({"$addToSet": {"tags": {"$each": ["camera", "electronics", "accessories", "camera"]}}}),
            json!({"_id": 1, "tags": ["electronics"]}),
            json!({"_id": 1, "tags": ["electronics", "camera", "accessories"]}),
        ),
        (
            "$addToSet missing",
            json!({"$addToSet": {"t": {"$each": [1, 1]}}}),
            json!({"_id": 1}),
            json!({"_id": 1, "t": [1]}),
        ),
        (
            "$addToSet object order",
            json!({"$addToSet": {"o": {"b": 1, "a": 1}}}),
            json!({"_id": 1, "o": [{"a": 1, "b": 1}]}),
            json!({"_id": 1, "o": [{"a": 1, "b": 1}, {"b": 1, "a": 1}]}),
        ),
        (
            "$pull value",
            json!({"$pull": {"fruits": {"$in": ["apples", "oranges"]}, "vegetables": "carrots"}}),
            json!({"_id": 1, "fruits": ["apples", "pears", "oranges"], "vegetables": ["carrots", "celery", "carrots"]}),
            json!({"_id": 1, "fruits": ["pears"], "vegetables": ["celery"]}),
        ),
        (
            "$pull condition",
            json!({"$pull": {"votes": {"$gte": 6}}}),
            json!({"_id": 1, "votes": [3, 5, 6, 7, 7, 8]}),
            json!({"_id": 1, "votes": [3, 5]}),
        ),
        (
            "$pull documents",
            json!({"$pull": {"results": {"score": 8, "item": "B"}}}),
            json!({"_id": 1, "results": [{"item": "A", "score": 5}, {"item": "B", "score": 8}]}),
            json!({"_id": 1, "results": [{"item": "A", "score": 5}]}),
        ),
        (
            "$pull doc elemMatch",
            json!({"$pull": {"results": {"answers": {"$elemMatch": {"q": 2, "a": {"$gte": 8}}}}}}),
            json!({"_id": 1, "results": [{"answers": [{"q": 1, "a": 4}, {"q": 2, "a": 6}]}, {"answers": [{"q": 2, "a": 9}]}]}),
            json!({"_id": 1, "results": [{"answers": [{"q": 1, "a": 4}, {"q": 2, "a": 6}]}]}),
        ),
        ("$pull missing", json!({"$pull": {"a": 1}}), json!({"_id": 1}), json!({"_id": 1})),
        (
            "$pull equal numbers",
            json!({"$pull": {"a": 1.0}}),
            json!({"_id": 1, "a": [1, 2, 1]}),
            json!({"_id": 1, "a": [2]}),
        ),
        (
            "$pullAll",
            json!({"$pullAll": {"scores": [0, 5]}}),
            json!({"_id": 1, "scores": [0, 2, 5, 5, 1, 0]}),
            json!({"_id": 1, "scores": [2, 1]}),
        ),
        (
            "$pop last",
            json!({"$pop": {"scores": 1}}),
            json!({"_id": 1, "scores": [8, 9, 10]}),
            json!({"_id": 1, "scores": [8, 9]}),
        ),
        (
            "$pop first",
            json!({"$pop": {"scores": -1}}),
            json!({"_id": 1, "scores": [8, 9, 10]}),
            json!({"_id": 1, "scores": [9, 10]}),
        ),
        (
            "$pop empty",
            json!({"$pop": {"scores": -1}}),
            json!({"_id": 1, "scores": []}),
            json!({"_id": 1, "scores": []}),
        ),
        ("$pop missing", json!({"$pop": {"scores": 1}}), json!({"_id": 1}), json!({"_id": 1})),
        (
            "$setOnInsert skipped",
            json!({"$setOnInsert": {"a": 1}, "$set": {"b": 2}}),
            json!({"_id": 1}),
            json!({"_id": 1, "b": 2}),
        ),
        ("empty operator", json!({"$set": {}}), json!({"_id": 1}), json!({"_id": 1})),
    ]
}

#[test]
fn update_conformance_table() {
    let mut failures = Vec::new();
    for (name, update, before, after) in cases() {
        let u = match Update::parse(&update, "update") {
            Ok(u) => u,
            Err(e) => {
                failures.push(format!("{name}: parse error {e}"));
                continue;
            }
        };
        let mut d = doc(before.clone());
        match u.apply(&mut d, false) {
            Ok(changed) => {
                if Value::Object(d.clone()) != after {
                    failures.push(format!("{name}: {update} on {before} gave {} not {after}", Value::Object(d)));
                } else if changed != (before != after) {
                    failures.push(format!("{name}: changed flag {changed}"));
                }
                // Field order matters: compare serialized text too.
                else if serde_json::to_string(&d).ok() != serde_json::to_string(&after).ok() {
                    failures.push(format!("{name}: field order differs"));
                }
            }
            Err(e) => failures.push(format!("{name}: apply error {e}")),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn upsert_seed_and_set_on_insert() {
    let f = Filter::parse(&json!({"name": "x", "a.b": 1, "_id": 7, "n": {"$gt": 1}, "$and": [{"c": 2}]}), "filter")
        .expect("filter");
    let seed = Update::upsert_seed(&f);
    assert_eq!(
        serde_json::to_string(&seed).expect("json"),
        r#"{"_id":7,"name":"x","a":{"b":1},"c":2}"#,
        "seed keeps _id first, expands dotted paths, skips non-equalities"
    );
    let u = Update::parse(&json!({"$setOnInsert": {"d": 1}, "$set": {"name": "y"}}), "update").expect("update");
    let mut d = seed;
    assert!(u.apply(&mut d, true).expect("apply"));
    assert_eq!(Value::Object(d), json!({"_id": 7, "name": "y", "a": {"b": 1}, "c": 2, "d": 1}));
    // An upsert may set _id when the filter did not.
    let u = Update::parse(&json!({"$set": {"_id": "k"}}), "update").expect("update");
    let mut d = Update::upsert_seed(&Filter::parse(&json!({"a": 1}), "f").expect("f"));
    assert!(u.apply(&mut d, true).expect("apply"));
    assert_eq!(d.get("_id"), Some(&json!("k")));
}

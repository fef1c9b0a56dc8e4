//! Conformance table for filters, from the MongoDB manual's examples and
//! rules (each case names itself in its assertion message).

mod common;

use common::matches;
use serde_json::{Value, json};
use squall_query::Filter;

/// (name, filter, document, expected match)
fn cases() -> Vec<(&'static str, Value, Value, bool)> {
    vec![
        // --- implicit equality and $eq (manual: $eq) ---
        ("eq scalar", json!({"qty": 20}), json!({"qty": 20}), true),
        ("eq scalar miss", json!({"qty": 20}), json!({"qty": 25}), false),
        ("eq int float", json!({"qty": 20.0}), json!({"qty": 20}), true),
        ("eq embedded field", json!({"item.name": "ab"}), json!({"item": {"name": "ab", "code": "123"}}), true),
        ("eq array element", json!({"tags": "B"}), json!({"tags": ["A", "B"]}), true),
        ("eq whole array", json!({"tags": ["A", "B"]}), json!({"tags": ["A", "B"]}), true),
        ("eq whole array order", json!({"tags": ["B", "A"]}), json!({"tags": ["A", "B"]}), false),
        ("eq nested array element", json!({"tags": ["A", "B"]}), json!({"tags": [["A", "B"], "C"]}), true),
        ("eq no deep nested", json!({"tags": "A"}), json!({"tags": [["A", "B"], "C"]}), false),
        (
            "eq doc exact",
            json!({"item": {"name": "ab", "code": "123"}}),
            json!({"item": {"name": "ab", "code": "123"}}),
            true,
        ),
        (
            "eq doc order sensitive",
            json!({"item": {"code": "123", "name": "ab"}}),
            json!({"item": {"name": "ab", "code": "123"}}),
            false,
        ),
        ("eq doc subset no", json!({"item": {"name": "ab"}}), json!({"item": {"name": "ab", "code": "123"}}), false),
        ("$eq operator", json!({"qty": {"$eq": 20}}), json!({"qty": 20}), true),
        ("$eq object literal", json!({"a": {"$eq": {"$gt": 1}}}), json!({"a": 2}), false),
        ("bool not number", json!({"a": 1}), json!({"a": true}), false),
        ("bool not number 0", json!({"a": false}), json!({"a": 0}), false),
        ("big int exact", json!({"a": 9007199254740993u64}), json!({"a": 9007199254740992.0}), false),
        ("u64 eq", json!({"a": 18446744073709551615u64}), json!({"a": 18446744073709551615u64}), true),
        ("string not number", json!({"a": "1"}), json!({"a": 1}), false),
        // --- null and missing ---
        ("null matches null", json!({"a": null}), json!({"a": null}), true),
        ("null matches missing", json!({"a": null}), json!({"b": 1}), true),
        ("null not value", json!({"a": null}), json!({"a": 0}), false),
        ("null in array", json!({"a": null}), json!({"a": [1, null]}), true),
        ("null not empty array", json!({"a": null}), json!({"a": []}), false),
        ("dotted null missing parent", json!({"a.b": null}), json!({}), true),
        ("dotted null scalar parent", json!({"a.b": null}), json!({"a": 4}), true),
        ("dotted null empty subobject", json!({"a.b": null}), json!({"a": {}}), true),
        ("dotted null obj array some missing", json!({"a.b": null}), json!({"a": [{"b": 3}, {}]}), true),
        ("dotted null obj array none", json!({"a.b": null}), json!({"a": [{"b": 1}, {"b": 3}]}), false),
        ("dotted null empty array", json!({"a.b": null}), json!({"a": []}), false),
        ("dotted null scalar array", json!({"a.b": null}), json!({"a": [1, "s", 4]}), false),
        ("dotted null array all nulls", json!({"a.b": null}), json!({"a": [null, null]}), false),
        ("dotted $ne null empty array", json!({"a.b": {"$ne": null}}), json!({"a": []}), true),
        ("$ne null obj array some missing", json!({"a.b": {"$ne": null}}), json!({"a": [{"b": 3}, {}]}), false),
        ("$ne null missing", json!({"a": {"$ne": null}}), json!({}), false),
        ("$in null missing", json!({"a": {"$in": [null, 75]}}), json!({}), true),
        ("$nin null array with null", json!({"a": {"$nin": [null, 75]}}), json!({"a": [1, null]}), false),
        ("$gte null missing", json!({"a": {"$gte": null}}), json!({}), true),
        ("$lte null null", json!({"a": {"$lte": null}}), json!({"a": null}), true),
        ("$gt null nothing", json!({"a": {"$gt": null}}), json!({"a": 1}), false),
        ("$not $gte null empty array", json!({"a": {"$not": {"$gte": null}}}), json!({"a": []}), true),
        ("$elemMatch $eq null", json!({"a": {"$elemMatch": {"$eq": null}}}), json!({"a": [1, null]}), true),
        ("$elemMatch $ne null", json!({"a": {"$elemMatch": {"$ne": null}}}), json!({"a": [null, null]}), false),
        ("$elemMatch no array", json!({"a": {"$elemMatch": {"$eq": null}}}), json!({"a": null}), false),
        // --- $ne / $nin (manual) ---
        ("$ne value", json!({"qty": {"$ne": 20}}), json!({"qty": 25}), true),
        ("$ne missing", json!({"qty": {"$ne": 20}}), json!({"x": 1}), true),
        ("$ne array contains", json!({"tags": {"$ne": "A"}}), json!({"tags": ["A", "B"]}), false),
        ("$nin value", json!({"qty": {"$nin": [5, 15]}}), json!({"qty": 20}), true),
        ("$nin missing", json!({"qty": {"$nin": [5, 15]}}), json!({}), true),
        ("$nin hit", json!({"qty": {"$nin": [5, 15]}}), json!({"qty": 5.0}), false),
        // --- comparisons and type bracketing ---
        ("$gt num", json!({"qty": {"$gt": 20}}), json!({"qty": 25}), true),
        ("$gt equal", json!({"qty": {"$gt": 20}}), json!({"qty": 20}), false),
        ("$gte equal", json!({"qty": {"$gte": 20}}), json!({"qty": 20.0}), true),
        ("$lt num", json!({"qty": {"$lt": 20}}), json!({"qty": 15}), true),
        ("$lte", json!({"qty": {"$lte": 20}}), json!({"qty": 21}), false),
        ("$gt bracket string", json!({"qty": {"$gt": 20}}), json!({"qty": "zzz"}), false),
        ("$lt bracket null", json!({"qty": {"$lt": 20}}), json!({"qty": null}), false),
        ("$lt missing", json!({"qty": {"$lt": 20}}), json!({}), false),
        ("$gt string", json!({"s": {"$gt": "abc"}}), json!({"s": "abd"}), true),
        ("$gt string code point", json!({"s": {"$gt": "\u{ffff}"}}), json!({"s": "\u{1F600}"}), true),
        ("$gt array element", json!({"a": {"$gt": 5}}), json!({"a": [1, 7]}), true),
        ("$gt $lt different elements", json!({"a": {"$gt": 5, "$lt": 3}}), json!({"a": [1, 7]}), true),
        ("$elemMatch same element", json!({"a": {"$elemMatch": {"$gt": 5, "$lt": 3}}}), json!({"a": [1, 7]}), false),
        (
            "$elemMatch range",
            json!({"results": {"$elemMatch": {"$gte": 80, "$lt": 85}}}),
            json!({"results": [82, 85, 88]}),
            true,
        ),
        (
            "$elemMatch range miss",
            json!({"results": {"$elemMatch": {"$gte": 80, "$lt": 85}}}),
            json!({"results": [75, 88, 89]}),
            false,
        ),
        ("$gt bool", json!({"a": {"$gt": false}}), json!({"a": true}), true),
        ("$gt bool vs num", json!({"a": {"$gt": 1}}), json!({"a": true}), false),
        ("$gt object", json!({"a": {"$gt": {"x": 1}}}), json!({"a": {"x": 2}}), true),
        ("$lt u64 float", json!({"a": {"$lt": 18446744073709551616.0}}), json!({"a": 18446744073709551615u64}), true),
        ("$gt 2^53", json!({"a": {"$gt": 9007199254740992.0}}), json!({"a": 9007199254740993u64}), true),
        // --- $in ---
        ("$in", json!({"qty": {"$in": [5, 15]}}), json!({"qty": 15}), true),
        ("$in array field", json!({"tags": {"$in": ["home", "school"]}}), json!({"tags": ["school", "x"]}), true),
        ("$in empty", json!({"qty": {"$in": []}}), json!({"qty": 15}), false),
        ("$in whole array", json!({"a": {"$in": [[1, 2]]}}), json!({"a": [1, 2]}), true),
        // --- $exists ---
        ("$exists true", json!({"a": {"$exists": true}}), json!({"a": null}), true),
        ("$exists false", json!({"a": {"$exists": false}}), json!({"b": 1}), true),
        ("$exists false present", json!({"a": {"$exists": false}}), json!({"a": 1}), false),
        ("$exists 1", json!({"a": {"$exists": 1}}), json!({"a": 1}), true),
        ("$exists dotted array", json!({"a.b": {"$exists": true}}), json!({"a": [{"c": 1}, {"b": 2}]}), true),
        ("$exists false dotted empty array", json!({"a.b": {"$exists": false}}), json!({"a": []}), true),
        ("$exists index", json!({"a.1": {"$exists": true}}), json!({"a": [5, 6]}), true),
        ("$exists index oob", json!({"a.2": {"$exists": true}}), json!({"a": [5, 6]}), false),
        // --- $type ---
        ("$type string", json!({"a": {"$type": "string"}}), json!({"a": "x"}), true),
        ("$type 2", json!({"a": {"$type": 2}}), json!({"a": "x"}), true),
        ("$type int", json!({"a": {"$type": "int"}}), json!({"a": 5}), true),
        ("$type long", json!({"a": {"$type": "long"}}), json!({"a": 5000000000i64}), true),
        ("$type int not long", json!({"a": {"$type": "int"}}), json!({"a": 5000000000i64}), false),
        ("$type decimal", json!({"a": {"$type": 19}}), json!({"a": 18446744073709551615u64}), true),
        ("$type double", json!({"a": {"$type": "double"}}), json!({"a": 5.0}), true),
        ("$type double not int", json!({"a": {"$type": 1}}), json!({"a": 5}), false),
        ("$type number", json!({"a": {"$type": "number"}}), json!({"a": 5.5}), true),
        ("$type number not string", json!({"a": {"$type": "number"}}), json!({"a": "5"}), false),
        ("$type array", json!({"a": {"$type": "array"}}), json!({"a": []}), true),
        ("$type array elements", json!({"a": {"$type": "string"}}), json!({"a": [1, "x"]}), true),
        ("$type list", json!({"a": {"$type": ["bool", "null"]}}), json!({"a": null}), true),
        ("$type null missing", json!({"a": {"$type": "null"}}), json!({}), false),
        ("$type object", json!({"a": {"$type": "object"}}), json!({"a": {}}), true),
        ("$type bool code", json!({"a": {"$type": 8}}), json!({"a": false}), true),
        ("$type 16.0", json!({"a": {"$type": 16.0}}), json!({"a": 1}), true),
        ("$type date never", json!({"a": {"$type": "date"}}), json!({"a": "2020-01-01"}), false),
        // --- logical ---
        ("$and", json!({"$and": [{"a": 1}, {"b": 2}]}), json!({"a": 1, "b": 2}), true),
        ("$and miss", json!({"$and": [{"a": 1}, {"b": 2}]}), json!({"a": 1, "b": 3}), false),
        ("$or", json!({"$or": [{"a": 1}, {"b": 2}]}), json!({"a": 0, "b": 2}), true),
        ("$or miss", json!({"$or": [{"a": 1}, {"b": 2}]}), json!({"a": 0}), false),
        ("$nor", json!({"$nor": [{"price": 1.99}, {"sale": true}]}), json!({"price": 2}), true),
        ("$nor missing fields", json!({"$nor": [{"price": 1.99}, {"sale": true}]}), json!({}), true),
        ("$nor hit", json!({"$nor": [{"price": 1.99}, {"sale": true}]}), json!({"sale": true}), false),
        ("$not", json!({"price": {"$not": {"$gt": 1.99}}}), json!({"price": 1.5}), true),
        ("$not missing", json!({"price": {"$not": {"$gt": 1.99}}}), json!({}), true),
        ("$not string vs num", json!({"price": {"$not": {"$gt": 1.99}}}), json!({"price": "x"}), true),
        ("$not regex", json!({"item": {"$not": {"$regex": "^p.*"}}}), json!({"item": "pen"}), false),
        ("$comment ignored", json!({"$comment": "hi", "a": 1}), json!({"a": 1}), true),
        ("empty filter", json!({}), json!({"a": 1}), true),
        // --- $regex ---
        ("$regex", json!({"sku": {"$regex": "789$"}}), json!({"sku": "abc789"}), true),
        ("$regex i", json!({"sku": {"$regex": "^ABC", "$options": "i"}}), json!({"sku": "abc789"}), true),
        ("$regex case", json!({"sku": {"$regex": "^ABC"}}), json!({"sku": "abc789"}), false),
        ("$regex m", json!({"d": {"$regex": "^S", "$options": "m"}}), json!({"d": "First\nSecond"}), true),
        ("$regex no m", json!({"d": {"$regex": "^S"}}), json!({"d": "First\nSecond"}), false),
        ("$regex s", json!({"d": {"$regex": "m.*line", "$options": "si"}}), json!({"d": "Multiple\nline"}), true),
        ("$regex no s", json!({"d": {"$regex": "m.*line", "$options": "i"}}), json!({"d": "Multiple\nline"}), false),
        ("$regex x", json!({"d": {"$regex": "abc # c\n 1", "$options": "x"}}), json!({"d": "abc1"}), true),
        ("$regex array", json!({"t": {"$regex": "^b"}}), json!({"t": ["a", "bc"]}), true),
        ("$regex non string", json!({"t": {"$regex": "1"}}), json!({"t": 1}), false),
        ("$regex $nin-like $not", json!({"t": {"$not": {"$regex": "^b"}}}), json!({}), true),
        // --- $size ---
        ("$size", json!({"a": {"$size": 2}}), json!({"a": [1, 2]}), true),
        ("$size miss", json!({"a": {"$size": 2}}), json!({"a": [1, 2, 3]}), false),
        ("$size scalar", json!({"a": {"$size": 1}}), json!({"a": 1}), false),
        ("$size 0", json!({"a": {"$size": 0}}), json!({"a": []}), true),
        ("$size float", json!({"a": {"$size": 1.0}}), json!({"a": [9]}), true),
        ("$size no nested", json!({"a": {"$size": 2}}), json!({"a": [[1, 2]]}), false),
        ("$size dotted", json!({"a.b": {"$size": 2}}), json!({"a": [{"b": [1, 2]}]}), true),
        // --- $all ---
        (
            "$all",
            json!({"tags": {"$all": ["ssl", "security"]}}),
            json!({"tags": ["appliance", "ssl", "security"]}),
            true,
        ),
        ("$all miss", json!({"tags": {"$all": ["ssl", "security"]}}), json!({"tags": ["ssl"]}), false),
        ("$all scalar", json!({"tags": {"$all": ["ssl"]}}), json!({"tags": "ssl"}), true),
        ("$all empty", json!({"tags": {"$all": []}}), json!({"tags": ["ssl"]}), false),
        (
            "$all nested array",
            json!({"tags": {"$all": [["ssl", "security"]]}}),
            json!({"tags": [["ssl", "security"], "x"]}),
            true,
        ),
        (
            "$all elemMatch",
            json!({"qty": {"$all": [{"$elemMatch": {"size": "M", "num": {"$gt": 50}}}, {"$elemMatch": {"num": 100, "color": "green"}}]}}),
            json!({"qty": [{"size": "S", "num": 10, "color": "blue"}, {"size": "M", "num": 100, "color": "green"}]}),
            true,
        ),
        (
            "$all elemMatch miss",
            json!({"qty": {"$all": [{"$elemMatch": {"size": "M", "num": {"$gt": 50}}}, {"$elemMatch": {"num": 100, "color": "green"}}]}}),
            json!({"qty": [{"size": "M", "num": 60, "color": "blue"}, {"size": "S", "num": 100, "color": "red"}]}),
            false,
        ),
        // --- $elemMatch (objects) ---
        (
            "$elemMatch obj",
            json!({"results": {"$elemMatch": {"product": "xyz", "score": {"$gte": 8}}}}),
            json!({"results": [{"product": "abc", "score": 10}, {"product": "xyz", "score": 9}]}),
            true,
        ),
        (
            "$elemMatch obj split",
            json!({"results": {"$elemMatch": {"product": "xyz", "score": {"$gte": 8}}}}),
            json!({"results": [{"product": "abc", "score": 10}, {"product": "xyz", "score": 5}]}),
            false,
        ),
        (
            "dotted across elements",
            json!({"results.product": "xyz", "results.score": {"$gte": 8}}),
            json!({"results": [{"product": "abc", "score": 10}, {"product": "xyz", "score": 5}]}),
            true,
        ),
        ("$elemMatch $or", json!({"a": {"$elemMatch": {"$or": [{"x": 1}, {"y": 2}]}}}), json!({"a": [{"y": 2}]}), true),
        ("$elemMatch empty", json!({"a": {"$elemMatch": {}}}), json!({"a": [1, {"x": 1}]}), true),
        ("$elemMatch empty scalars", json!({"a": {"$elemMatch": {}}}), json!({"a": [1, 2]}), false),
        ("$elemMatch nested arrays", json!({"a": {"$elemMatch": {"0": 1}}}), json!({"a": [[1, 2]]}), true),
        // --- $mod ---
        ("$mod", json!({"qty": {"$mod": [4, 0]}}), json!({"qty": 12}), true),
        ("$mod miss", json!({"qty": {"$mod": [4, 0]}}), json!({"qty": 5}), false),
        ("$mod float field", json!({"qty": {"$mod": [4, 0]}}), json!({"qty": 12.9}), true),
        ("$mod float args", json!({"qty": {"$mod": [4.5, 0.9]}}), json!({"qty": 8}), true),
        ("$mod negative", json!({"qty": {"$mod": [4, -1]}}), json!({"qty": -5}), true),
        ("$mod string", json!({"qty": {"$mod": [4, 0]}}), json!({"qty": "8"}), false),
        ("$mod missing", json!({"qty": {"$mod": [4, 0]}}), json!({}), false),
        ("$mod min", json!({"v": {"$mod": [-1, 0]}}), json!({"v": i64::MIN}), true),
        // --- paths into arrays ---
        ("index path", json!({"a.0": 5}), json!({"a": [5, 6]}), true),
        ("index path miss", json!({"a.1": 5}), json!({"a": [5, 6]}), false),
        ("index path object", json!({"a.0.b": 1}), json!({"a": [{"b": 1}]}), true),
        ("index field name", json!({"a.0": 5}), json!({"a": {"0": 5}}), true),
        ("index path obj key other element", json!({"a.0": 5}), json!({"a": [1, {"0": 5}]}), true),
        ("deep traverse", json!({"a.b.c": 1}), json!({"a": [{"b": [{"c": 2}, {"c": 1}]}]}), true),
        ("no nested array traverse", json!({"a.b": 1}), json!({"a": [[{"b": 1}]]}), false),
        ("dotted scalar", json!({"a.b": 1}), json!({"a": 1}), false),
        ("empty key path", json!({"a": 1}), json!({"a": [1, 2]}), true),
        ("dotted array of arrays leaf", json!({"a.b": 2}), json!({"a": [{"b": [1, 2]}]}), true),
    ]
}

#[test]
fn filter_conformance_table() {
    let mut failures = Vec::new();
    for (name, filter, doc, expected) in cases() {
        if matches(&filter, &doc) != expected {
            failures.push(format!("{name}: filter {filter} on {doc} should be {expected}"));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// (name, filter, expected error path)
fn error_cases() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        ("not object", json!([1]), "filter"),
        ("unknown top", json!({"$where": "1"}), "filter.$where"),
        ("unknown op", json!({"a": {"$foo": 1}}), "filter.a.$foo"),
        ("mixed op object", json!({"a": {"$gt": 1, "b": 2}}), "filter.a.b"),
        ("$or empty", json!({"$or": []}), "filter.$or"),
        ("$or not array", json!({"$or": {"a": 1}}), "filter.$or"),
        ("$or entry", json!({"$or": [{"a": 1}, 5]}), "filter.$or[1]"),
        ("$or nested path", json!({"$or": [{"a": 1}, {"age": {"$gt": {"$x": 1}, "$y": 1}}]}), "filter.$or[1].age.$y"),
        ("$and empty", json!({"$and": []}), "filter.$and"),
        ("$nor bad", json!({"$nor": [[]]}), "filter.$nor[0]"),
        ("$in not array", json!({"a": {"$in": 5}}), "filter.a.$in"),
        ("$nin not array", json!({"a": {"$nin": {}}}), "filter.a.$nin"),
        ("$in nested $", json!({"a": {"$in": [{"$gt": 1}]}}), "filter.a.$in[0]"),
        ("$size negative", json!({"a": {"$size": -1}}), "filter.a.$size"),
        ("$size fraction", json!({"a": {"$size": 1.5}}), "filter.a.$size"),
        ("$size string", json!({"a": {"$size": "1"}}), "filter.a.$size"),
        ("$mod arity 1", json!({"a": {"$mod": [4]}}), "filter.a.$mod"),
        ("$mod arity 3", json!({"a": {"$mod": [4, 1, 2]}}), "filter.a.$mod"),
        ("$mod zero", json!({"a": {"$mod": [0, 1]}}), "filter.a.$mod[0]"),
        ("$mod not array", json!({"a": {"$mod": 4}}), "filter.a.$mod"),
        ("$mod huge", json!({"a": {"$mod": [1e300, 1]}}), "filter.a.$mod[0]"),
        ("$mod string", json!({"a": {"$mod": [4, "1"]}}), "filter.a.$mod[1]"),
        ("$type unknown", json!({"a": {"$type": "foo"}}), "filter.a.$type"),
        ("$type code", json!({"a": {"$type": 99}}), "filter.a.$type"),
        ("$type empty", json!({"a": {"$type": []}}), "filter.a.$type"),
        ("$regex bad", json!({"a": {"$regex": "("}}), "filter.a.$regex"),
        ("$regex lookahead", json!({"a": {"$regex": "a(?=b)"}}), "filter.a.$regex"),
        ("$regex not string", json!({"a": {"$regex": 5}}), "filter.a.$regex"),
        ("$options alone", json!({"a": {"$options": "i"}}), "filter.a.$options"),
        ("$options bad flag", json!({"a": {"$regex": "x", "$options": "z"}}), "filter.a.$options"),
        ("$not empty", json!({"a": {"$not": {}}}), "filter.a.$not"),
        ("$not scalar", json!({"a": {"$not": 5}}), "filter.a.$not"),
        ("$not field", json!({"a": {"$not": {"b": 1}}}), "filter.a.$not.b"),
        ("$elemMatch scalar", json!({"a": {"$elemMatch": 1}}), "filter.a.$elemMatch"),
        ("$elemMatch bad inner", json!({"a": {"$elemMatch": {"$gt": 1, "$bad": 2}}}), "filter.a.$elemMatch.$bad"),
        ("$all not array", json!({"a": {"$all": 1}}), "filter.a.$all"),
        ("$all mixed", json!({"a": {"$all": [{"$elemMatch": {"b": 1}}, 5]}}), "filter.a.$all[1]"),
        ("$all $ expr", json!({"a": {"$all": [{"$gt": 5}]}}), "filter.a.$all[0]"),
        ("$expr", json!({"$expr": {"$eq": [1, 1]}}), "filter.$expr"),
        ("$text", json!({"$text": {"$search": "x"}}), "filter.$text"),
        ("$near", json!({"a": {"$near": [1, 2]}}), "filter.a.$near"),
        ("$bitsAllSet", json!({"a": {"$bitsAllSet": 1}}), "filter.a.$bitsAllSet"),
    ]
}

#[test]
fn filter_error_table() {
    let mut failures = Vec::new();
    for (name, filter, path) in error_cases() {
        match Filter::parse(&filter, "filter") {
            Ok(_) => failures.push(format!("{name}: {filter} should be rejected")),
            Err(e) if e.path != path => failures.push(format!("{name}: error path {} != {path} ({e})", e.path)),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// `{key: inner}` without serializing `inner` (the `json!` macro would).
fn wrap(key: &str, inner: Value) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(key.to_string(), inner);
    Value::Object(m)
}

#[test]
fn deep_filters_are_rejected_not_overflowed() {
    // Build 20,000 levels programmatically (no recursion in construction).
    let mut v = json!({"a": 1});
    for _ in 0..20_000 {
        v = wrap("$and", Value::Array(vec![v]));
    }
    assert!(Filter::parse(&v, "filter").is_err(), "deep $and must be rejected");
    // Dropping 20,000-deep values recurses inside serde_json; leak them
    // so the test measures our code, not the destructor.
    std::mem::forget(v);
    let mut v = json!(1);
    for _ in 0..20_000 {
        v = wrap("$not", wrap("$elemMatch", wrap("$not", v)));
    }
    let v = wrap("a", v);
    assert!(Filter::parse(&v, "filter").is_err(), "deep $not must be rejected");
    std::mem::forget(v);
    let mut lit = json!(1);
    for _ in 0..20_000 {
        lit = Value::Array(vec![lit]);
    }
    let v = wrap("a", wrap("$eq", lit));
    assert!(Filter::parse(&v, "filter").is_err(), "deep literal must be rejected");
    std::mem::forget(v);
    let mut lit = json!(1);
    for _ in 0..20_000 {
        lit = wrap("x", lit);
    }
    let v = wrap("a", wrap("$in", Value::Array(vec![lit])));
    assert!(Filter::parse(&v, "filter").is_err(), "deep $in literal must be rejected");
    std::mem::forget(v);
}

#[test]
fn equality_on_finds_ids() {
    let f = Filter::parse(&json!({"_id": 5}), "f").expect("parse");
    assert_eq!(f.equality_on("_id"), Some(&json!(5)));
    let f = Filter::parse(&json!({"_id": {"$eq": "x"}, "a": 1}), "f").expect("parse");
    assert_eq!(f.equality_on("_id"), Some(&json!("x")));
    let f = Filter::parse(&json!({"$and": [{"b": 1}, {"_id": {"$in": [7]}}]}), "f").expect("parse");
    assert_eq!(f.equality_on("_id"), Some(&json!(7)));
    let f = Filter::parse(&json!({"$or": [{"_id": 1}, {"_id": 2}]}), "f").expect("parse");
    assert_eq!(f.equality_on("_id"), None);
    let f = Filter::parse(&json!({"_id": {"$gt": 1}}), "f").expect("parse");
    assert_eq!(f.equality_on("_id"), None);
    assert!(Filter::parse(&json!({}), "f").expect("parse").is_empty());
}

/// Null and missing-field semantics over one collection of documents, as
/// MongoDB 7/8 define them (the server's own null-query test suite, with the
/// `undefined` cases left out: JSON has no `undefined`): which documents each
/// filter selects, through plain and dotted paths, arrays of scalars, arrays
/// of objects, empty and nested arrays, `$in`/`$nin` with null, `$elemMatch`.
#[test]
fn null_semantics_select_what_mongodb_selects() {
    let docs: Vec<(&str, Value)> = vec![
        ("a_empty_subobject", json!({"a": {}})),
        ("a_null", json!({"a": null})),
        ("a_number", json!({"a": 4})),
        ("a_subobject_b_not_null", json!({"a": {"b": "hi"}})),
        ("a_subobject_b_null", json!({"a": {"b": null}})),
        ("no_a", json!({})),
        ("a_double_array", json!({"a": [[]]})),
        ("a_empty_array", json!({"a": []})),
        ("objects_b_null_or_missing", json!({"a": [{"b": null}, {"b": null}, {}]})),
        ("objects_no_b_nulls", json!({"a": [{"b": 1}, {"b": 3}, {"b": "string"}]})),
        ("objects_some_b_nulls", json!({"a": [{"b": null}, {"b": 3}, {"b": null}]})),
        ("objects_some_b_missing", json!({"a": [{"b": 3}, {}]})),
        ("values_all_null", json!({"a": [null, null]})),
        ("values_no_null", json!({"a": [1, "string", 4]})),
        ("values_with_null", json!({"a": [1, "string", null, 4]})),
    ];
    let all: Vec<&str> = docs.iter().map(|(name, _)| *name).collect();
    let except = |excluded: &[&str]| -> Vec<&str> { all.iter().copied().filter(|n| !excluded.contains(n)).collect() };
    let dotted_null = [
        "a_empty_subobject",
        "a_null",
        "a_number",
        "a_subobject_b_null",
        "no_a",
        "objects_b_null_or_missing",
        "objects_some_b_nulls",
        "objects_some_b_missing",
    ];
    let plain_null = ["a_null", "no_a", "values_all_null", "values_with_null"];
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"a.b": {"$eq": null}}), dotted_null.to_vec()),
        (json!({"a.b": null}), dotted_null.to_vec()),
        (json!({"a.b": {"$ne": null}}), except(&dotted_null)),
        (json!({"a.b": {"$in": [null, 75]}}), dotted_null.to_vec()),
        (json!({"$or": [{"a.b": null}, {"a.b": 75}]}), dotted_null.to_vec()),
        (json!({"a.b": {"$nin": [null, 75]}}), except(&dotted_null)),
        (json!({"a.b": {"$elemMatch": {"$eq": null}}}), vec![]),
        (json!({"a.b": {"$elemMatch": {"$ne": null}}}), vec![]),
        (
            json!({"a": {"$elemMatch": {"b": {"$eq": null}}}}),
            vec!["a_double_array", "objects_b_null_or_missing", "objects_some_b_nulls", "objects_some_b_missing"],
        ),
        (
            json!({"a": {"$elemMatch": {"b": {"$ne": null}}}}),
            vec!["objects_no_b_nulls", "objects_some_b_nulls", "objects_some_b_missing"],
        ),
        (json!({"a": {"$eq": null}}), plain_null.to_vec()),
        (json!({"a": null}), plain_null.to_vec()),
        (json!({"a": {"$ne": null}}), except(&plain_null)),
        (json!({"a": {"$in": [null, 75]}}), plain_null.to_vec()),
        (json!({"$or": [{"a": null}, {"a": 75}]}), plain_null.to_vec()),
        (json!({"a": {"$nin": [null, 75]}}), except(&plain_null)),
        (
            json!({"a": {"$nin": [null, []]}}),
            except(&["a_null", "no_a", "a_double_array", "a_empty_array", "values_all_null", "values_with_null"]),
        ),
        (json!({"a": {"$elemMatch": {"$eq": null}}}), vec!["values_all_null", "values_with_null"]),
        (
            json!({"a": {"$elemMatch": {"$ne": null}}}),
            vec![
                "a_double_array",
                "objects_b_null_or_missing",
                "objects_no_b_nulls",
                "objects_some_b_nulls",
                "objects_some_b_missing",
                "values_no_null",
                "values_with_null",
            ],
        ),
        (json!({"a": {"$not": {"$gte": null}}}), except(&plain_null)),
        (json!({"a": {"$exists": false}}), vec!["no_a"]),
    ];
    for (filter, expected) in cases {
        let selected: Vec<&str> = docs.iter().filter(|(_, d)| matches(&filter, d)).map(|(name, _)| *name).collect();
        assert_eq!(selected, expected, "{filter}");
    }
}

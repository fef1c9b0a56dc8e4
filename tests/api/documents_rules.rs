//! SPEC.md's document rules over HTTP: numeric `_id`s, field order, exact
//! read-back of numbers and strings, integer range, limit and skip,
//! insertion order, and exact number comparison.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    both_backends,
    documents_support::{
        all, assert_names_path, coll, expect_json, find, ids, insert, insert_many, keys, send, send_raw,
    },
    helpers::assert_problem,
};

both_backends!(id_type_number_addresses_a_numeric_id_and_refuses_a_non_number, |app| {
    let response = send(&app, Method::POST, &coll("n", "documents"), Some(&json!({"_id": 42, "v": 1}))).await;
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(location, "/v1/collections/n/documents/42?id_type=number");
    insert(&app, "n", json!({"_id": "42", "v": "string"})).await;
    insert(&app, "n", json!({"_id": 2.5, "v": 2.5})).await;
    let numeric = expect_json(app.get(&location).await, StatusCode::OK, "numeric id").await;
    assert_eq!(numeric, json!({"_id": 42, "v": 1}));
    let string = expect_json(app.get(&coll("n", "documents/42")).await, StatusCode::OK, "string id").await;
    assert_eq!(string, json!({"_id": "42", "v": "string"}));
    let float = app.get(&coll("n", "documents/2.5?id_type=number")).await;
    assert_eq!(expect_json(float, StatusCode::OK, "float id").await, json!({"_id": 2.5, "v": 2.5}));
    let as_float = app.get(&coll("n", "documents/42.0?id_type=number")).await;
    assert_eq!(expect_json(as_float, StatusCode::OK, "42.0 addresses 42").await, json!({"_id": 42, "v": 1}));

    let patched = send(&app, Method::PATCH, &location, Some(&json!({"$inc": {"v": 1}}))).await;
    assert_eq!(expect_json(patched, StatusCode::OK, "patch numeric").await, json!({"_id": 42, "v": 2}));
    let put = send(&app, Method::PUT, &coll("n", "documents/7?id_type=number"), Some(&json!({"w": 1}))).await;
    assert_eq!(expect_json(put, StatusCode::CREATED, "put numeric").await, json!({"_id": 7, "w": 1}));
    let deleted = send(&app, Method::DELETE, &coll("n", "documents/7?id_type=number"), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    for bad in ["abc", "1x", "%7B%7D", "true", "1e999"] {
        for method in [Method::GET, Method::DELETE] {
            let response =
                send(&app, method.clone(), &coll("n", &format!("documents/{bad}?id_type=number")), None).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{method} {bad} with id_type=number");
        }
    }
    assert_eq!(ids(&all(&app, "n").await), [json!(42), json!("42"), json!(2.5)], "nothing else changed");
});

both_backends!(fields_keep_the_order_written_with_id_first_and_updates_append_in_name_order, |app| {
    let doc = insert(&app, "o", json!({"zeta": 1, "_id": "x", "alpha": {"y": 1, "b": 2}, "mid": 3})).await;
    assert_eq!(keys(&doc), ["_id", "zeta", "alpha", "mid"]);
    let text = app.get(&coll("o", "documents/x")).await.text().await.expect("body");
    assert_eq!(text, r#"{"_id":"x","zeta":1,"alpha":{"y":1,"b":2},"mid":3}"#, "the exact text read back");

    let update = json!({"$set": {"zz": 1, "mid": 4, "bb": 2, "alpha.c": 3, "alpha.a": 0}, "$inc": {"cc": 1}});
    let patched = send(&app, Method::PATCH, &coll("o", "documents/x"), Some(&update)).await;
    let text = patched.text().await.expect("body");
    assert_eq!(
        text, r#"{"_id":"x","zeta":1,"alpha":{"y":1,"b":2,"a":0,"c":3},"mid":4,"bb":2,"cc":1,"zz":1}"#,
        "existing fields in place, new ones appended in lexicographic order"
    );
    let replaced = send(&app, Method::PUT, &coll("o", "documents/x"), Some(&json!({"q": 1, "_id": "x", "b": 2}))).await;
    assert_eq!(keys(&expect_json(replaced, StatusCode::OK, "put").await), ["_id", "q", "b"]);
    let listed = find(&app, "o", json!({})).await;
    assert_eq!(keys(&listed[0]), ["_id", "q", "b"]);
});

both_backends!(a_document_reads_back_equal_to_what_was_written_as_a_json_value, |app| {
    let raw = r#"{"_id":"f","int":1,"float":1.0,"big_float":1e+16,"neg_float":-2.5e-7,"p53":9007199254740993,
        "min":-9223372036854775808,"max":18446744073709551615,"i64max":9223372036854775807,"zero":0,
        "nul":"a\u0000b","astral":"\ud83d\ude00 𝄞","combining":"e\u0301 é","escapes":"\"\\\/\b\f\n\r\t",
        "nested":{"a":[1,2.5,{"b":null,"c":[[],{}]}],"t":true,"f":false}}"#;
    let expected: Value = serde_json::from_str(raw).expect("test JSON");
    let response = send_raw(&app, Method::POST, &coll("f", "documents"), raw).await;
    assert_eq!(expect_json(response, StatusCode::CREATED, "insert").await, expected, "the insert's answer");
    let text = app.get(&coll("f", "documents/f")).await.text().await.expect("body");
    let back: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(back, expected, "read back as the same JSON value (ints stay ints, floats stay floats)");
    for (what, needle) in [
        ("1.0 stays a float", r#""float":1.0"#),
        ("2^53+1 exact", r#""p53":9007199254740993"#),
        ("-2^63 exact", r#""min":-9223372036854775808"#),
        ("2^64-1 exact", r#""max":18446744073709551615"#),
    ] {
        assert!(text.contains(needle), "{what}: {text}");
    }
    assert!(back["big_float"].is_f64(), "1e+16 comes back as a float: {text}");
    assert_eq!(back["nul"].as_str(), Some("a\u{0}b"));
    assert_eq!(back["combining"].as_str(), Some("e\u{301} é"), "no normalisation");
    // The same values in a bulk insert, an update and a query.
    insert_many(&app, "f", json!([{"_id": "g", "max": u64::MAX, "min": i64::MIN}])).await;
    let found = find(&app, "f", json!({"filter": {"p53": 9007199254740993_u64}})).await;
    assert_eq!(ids(&found), [json!("f")], "2^53+1 matches exactly");
    assert!(find(&app, "f", json!({"filter": {"p53": 9007199254740992_u64}})).await.is_empty(), "2^53 does not");
    assert!(find(&app, "f", json!({"filter": {"p53": 9007199254740992.0}})).await.is_empty(), "2^53 as float");
    let found = find(&app, "f", json!({"filter": {"max": u64::MAX}, "sort": {"_id": 1}})).await;
    assert_eq!(ids(&found), [json!("f"), json!("g")]);
    let patched = send(&app, Method::PATCH, &coll("f", "documents/g"), Some(&json!({"$inc": {"min": 1}}))).await;
    assert_eq!(expect_json(patched, StatusCode::OK, "inc").await["min"], json!(i64::MIN + 1));
});

both_backends!(integers_outside_the_i64_and_u64_range_are_400_integer_out_of_range, |app| {
    insert(&app, "r", json!({"_id": 1})).await;
    for (case, method, path, body) in [
        ("2^64 in a document", Method::POST, coll("r", "documents"), r#"{"a": 18446744073709551616}"#),
        ("-2^63-1 in a document", Method::POST, coll("r", "documents"), r#"{"a": -9223372036854775809}"#),
        (
            "a huge integer nested",
            Method::POST,
            coll("r", "documents"),
            r#"[{"a": {"b": [123456789012345678901234567890]}}]"#,
        ),
        ("2^64 in a replacement", Method::PUT, coll("r", "documents/x"), r#"{"a": 18446744073709551616}"#),
        (
            "2^64 in an update",
            Method::PATCH,
            coll("r", "documents/1?id_type=number"),
            r#"{"$set": {"a": 18446744073709551616}}"#,
        ),
        ("2^64 in a filter", Method::POST, coll("r", "find"), r#"{"filter": {"a": 18446744073709551616}}"#),
    ] {
        let response = send_raw(&app, method, &path, body).await;
        let problem = response.text().await.expect("body");
        assert!(problem.contains("integer out of range"), "{case}: {problem}");
        assert!(problem.contains("\"status\":400"), "{case}: {problem}");
    }
    assert_eq!(all(&app, "r").await, [json!({"_id": 1})], "nothing written");
});

both_backends!(limit_must_be_1_to_max_limit_and_defaults_to_100, |app| {
    let docs: Vec<Value> = (0..150).map(|i| json!({"_id": i})).collect();
    insert_many(&app, "l", Value::Array(docs)).await;
    for bad in ["0", "-1", "10001", "%22x%22", "1.5", "x"] {
        let response = app.get(&format!("{}?limit={bad}", coll("l", "documents"))).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, "limit", &format!("list ?limit={bad}")).await;
    }
    for bad in [json!(0), json!(-1), json!(10001), json!("x"), json!(2.5)] {
        let response = send(&app, Method::POST, &coll("l", "find"), Some(&json!({"limit": bad}))).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, "limit", &format!("find limit {bad}")).await;
    }
    let listed = expect_json(app.get(&coll("l", "documents")).await, StatusCode::OK, "list").await;
    assert_eq!(listed["documents"].as_array().map(Vec::len), Some(100), "default limit");
    assert_eq!(find(&app, "l", json!({})).await.len(), 100, "default limit on find");
    assert_eq!(find(&app, "l", json!({"limit": 10000})).await.len(), 150);
    assert_eq!(ids(&find(&app, "l", json!({"limit": 2, "skip": 148})).await), [json!(148), json!(149)]);
    for bad in [json!(-1), json!("x")] {
        let response = send(&app, Method::POST, &coll("l", "find"), Some(&json!({"skip": bad}))).await;
        assert_names_path(response, StatusCode::BAD_REQUEST, "skip", &format!("skip {bad}")).await;
    }
    let response = app.get(&format!("{}?skip=-1", coll("l", "documents"))).await;
    assert_names_path(response, StatusCode::BAD_REQUEST, "skip", "list ?skip=-1").await;
    let response = app.get(&format!("{}?limt=5", coll("l", "documents"))).await;
    assert_names_path(response, StatusCode::BAD_REQUEST, "limt", "a misspelt parameter").await;
});

both_backends!(documents_come_in_insertion_order_without_sort_and_as_the_sort_tie_break, |app| {
    let order = ["m", "c", "x", "a", "k"];
    for id in order {
        insert(&app, "i", json!({"_id": id, "g": 1})).await;
    }
    // Updates and replacements keep a document's place.
    send(&app, Method::PATCH, &coll("i", "documents/c"), Some(&json!({"$set": {"g": 1, "h": 2}}))).await;
    send(&app, Method::PUT, &coll("i", "documents/m"), Some(&json!({"g": 1}))).await;
    let expected: Vec<Value> = order.iter().map(|id| json!(id)).collect();
    assert_eq!(ids(&all(&app, "i").await), expected, "no sort");
    assert_eq!(ids(&find(&app, "i", json!({"sort": {"g": 1}})).await), expected, "ties ascending");
    assert_eq!(ids(&find(&app, "i", json!({"sort": {"g": -1}})).await), expected, "ties descending");
    assert_eq!(
        ids(&find(&app, "i", json!({"filter": {"g": 1}, "sort": {"g": 1}, "skip": 1, "limit": 2})).await),
        [json!("c"), json!("x")]
    );
    // Index candidates come back in insertion order too.
    send(&app, Method::PUT, &coll("i", "indexes/by_id_desc"), Some(&json!({"keys": {"g": -1, "_id": -1}}))).await;
    assert_eq!(ids(&find(&app, "i", json!({"filter": {"g": 1}})).await), expected, "index plan, no sort");
    let one = send(&app, Method::POST, &coll("i", "find_one"), Some(&json!({"filter": {"g": 1}}))).await;
    assert_eq!(expect_json(one, StatusCode::OK, "find_one").await["_id"], "m", "find_one is the first inserted");
});

both_backends!(numbers_compare_exactly_across_int_and_float_so_1_and_1_0_are_one_id, |app| {
    insert(&app, "e", json!({"_id": 1})).await;
    let duplicate = send_raw(&app, Method::POST, &coll("e", "documents"), r#"{"_id": 1.0}"#).await;
    assert_problem(duplicate, StatusCode::CONFLICT, "duplicate-key").await;
    let duplicate = send_raw(&app, Method::POST, &coll("e", "documents"), r#"[{"_id": 2}, {"_id": 2.0}]"#).await;
    assert_problem(duplicate, StatusCode::CONFLICT, "duplicate-key").await;
    assert_eq!(all(&app, "e").await, [json!({"_id": 1})]);
    insert(&app, "e", json!({"_id": "1"})).await;
    let found = find(&app, "e", json!({"filter": {"_id": 1.0}})).await;
    assert_eq!(found, [json!({"_id": 1})], "1.0 finds 1 (and not \"1\")");
    let put = send_raw(&app, Method::PUT, &coll("e", "documents/1?id_type=number"), r#"{"_id": 1.0, "v": 1}"#).await;
    assert_eq!(put.status(), StatusCode::OK, "a body _id equal to the path's is the same _id");
});

//! Property tests: key encoding order, planner superset, update atomicity.
//! The case count follows the PROPTEST_CASES environment variable.

mod common;

use std::cmp::Ordering;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use squall_query::{Document, Filter, IndexSpec, KeyBound, KeyRange, Update, compare_values, encode_key, values_equal};

fn number() -> impl Strategy<Value = Value> {
    let specials = vec![
        json!(0),
        json!(-0.0),
        json!(0.0),
        json!(1),
        json!(1.0),
        json!(-1),
        json!(i64::MIN),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(9223372036854775808u64),
        json!(9007199254740992i64),
        json!(9007199254740993i64),
        json!(9007199254740992.0),
        json!(9007199254740994.0),
        json!(9223372036854775808.0),
        json!(-9223372036854775808.0),
        json!(18446744073709551616.0),
        json!(18446744073709549568.0),
        json!(5e-324),
        json!(-5e-324),
        json!(2.2250738585072014e-308),
        json!(1.7976931348623157e308),
        json!(-1.7976931348623157e308),
        json!(0.5),
        json!(-0.5),
    ];
    prop_oneof![
        proptest::sample::select(specials),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-5i64..5).prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        (-5i32..5, 0u8..4).prop_map(|(i, f)| Value::from(f64::from(i) + f64::from(f) * 0.25)),
    ]
}

fn string() -> impl Strategy<Value = Value> {
    prop_oneof![
        proptest::sample::select(vec![
            "",
            "a",
            "a\u{0}",
            "a\u{0}b",
            "\u{0}",
            "ab",
            "b",
            "\u{ffff}",
            "\u{1F600}",
            "\u{e000}",
            "é"
        ])
        .prop_map(Value::from),
        "[a-c\u{0}\u{ff}\u{1F600}]{0,4}".prop_map(Value::from),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::from), number(), string(),]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((proptest::sample::select(vec!["a", "b", "c", ""]), inner), 0..4)
                .prop_map(|kvs| Value::Object(kvs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn key(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_key(v, &mut out);
    out
}

proptest! {
    #[test]
    fn encode_key_order_matches_compare(a in value(), b in value()) {
        let (ka, kb) = (key(&a), key(&b));
        prop_assert_eq!(ka.cmp(&kb), compare_values(&a, &b), "{} vs {}", a, b);
        prop_assert_eq!(ka == kb, values_equal(&a, &b));
        // Prefix-free: concatenations order like pairs.
        let (mut ca, mut cb) = (ka.clone(), kb.clone());
        encode_key(&json!(1), &mut ca);
        encode_key(&json!(0), &mut cb);
        let expect = compare_values(&a, &b).then(Ordering::Greater);
        prop_assert_eq!(ca.cmp(&cb), expect);
    }

    #[test]
    fn numbers_encode_by_value(a in number(), b in number()) {
        prop_assert_eq!(key(&a).cmp(&key(&b)), compare_values(&a, &b), "{} vs {}", a, b);
    }
}

/// Documents with fields a, b over small values, arrays and sub-objects.
fn small_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..4).prop_map(Value::from),
        (-3i32..4).prop_map(|i| Value::from(f64::from(i) + 0.5)),
        proptest::sample::select(vec!["", "a", "b", "ab"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 10, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((proptest::sample::select(vec!["b", "c"]), inner), 0..3)
                .prop_map(|kvs| Value::Object(kvs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn document() -> impl Strategy<Value = Document> {
    (proptest::option::of(small_value()), proptest::option::of(small_value())).prop_map(|(a, b)| {
        let mut m = Map::new();
        m.insert("_id".into(), json!(1));
        if let Some(a) = a {
            m.insert("a".into(), a);
        }
        if let Some(b) = b {
            m.insert("b".into(), b);
        }
        m
    })
}

fn simple_filter(path: &'static str) -> impl Strategy<Value = Value> {
    (
        small_value(),
        proptest::sample::select(vec!["eq", "$eq", "$gt", "$gte", "$lt", "$lte", "$in"]),
        proptest::collection::vec(small_value(), 0..3),
    )
        .prop_map(move |(v, op, list)| {
            let cond = match op {
                "eq" => v,
                "$in" => json!({"$in": list}),
                op => {
                    let mut m = Map::new();
                    m.insert(op.to_string(), v);
                    Value::Object(m)
                }
            };
            let mut m = Map::new();
            m.insert(path.to_string(), cond);
            Value::Object(m)
        })
}

fn in_range(k: &[u8], r: &KeyRange) -> bool {
    let lo = match &r.start {
        KeyBound::Unbounded => true,
        KeyBound::Included(s) => k >= s.as_slice(),
        KeyBound::Excluded(s) => k > s.as_slice(),
    };
    let hi = match &r.end {
        KeyBound::Unbounded => true,
        KeyBound::Included(e) => k <= e.as_slice(),
        KeyBound::Excluded(e) => k < e.as_slice(),
    };
    lo && hi
}

fn check_superset(index: &Value, filter: &Value, docs: &[Document]) -> Result<(), TestCaseError> {
    let spec = IndexSpec::parse(index).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let f = Filter::parse(filter, "filter").map_err(|e| TestCaseError::fail(e.to_string()))?;
    let Some(ranges) = f.index_ranges(&spec) else {
        return Ok(());
    };
    for w in ranges.windows(2) {
        if let (KeyBound::Excluded(e) | KeyBound::Included(e), KeyBound::Included(s) | KeyBound::Excluded(s)) =
            (&w[0].end, &w[1].start)
        {
            prop_assert!(e <= s, "ranges overlap or unsorted");
        }
    }
    for d in docs {
        let Ok(keys) = spec.keys(d) else {
            continue;
        };
        if f.matches(d) {
            let hit = keys.iter().any(|k| ranges.iter().any(|r| in_range(k, r)));
            prop_assert!(
                hit,
                "doc {} matches {} but no key of {} is in {:?}",
                Value::Object(d.clone()),
                filter,
                index,
                ranges
            );
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn planner_ranges_are_supersets(
        docs in prop::collection::vec(document(), 1..8),
        fa in simple_filter("a"),
        fb in simple_filter("b"),
        fab in simple_filter("a.b"),
        dir_a in proptest::sample::select(vec![1, -1]),
        dir_b in proptest::sample::select(vec![1, -1]),
    ) {
        let mut both = fa.as_object().cloned().unwrap_or_default();
        both.extend(fb.as_object().cloned().unwrap_or_default());
        let both = Value::Object(both);
        let and = json!({"$and": [fa.clone(), fb.clone()]});
        for index in [json!({"a": dir_a}), json!({"a": dir_a, "b": dir_b}), json!({"b": dir_b, "a": dir_a})] {
            for filter in [&fa, &fb, &both, &and] {
                check_superset(&index, filter, &docs)?;
            }
        }
        check_superset(&json!({"a.b": dir_a}), &fab, &docs)?;
        check_superset(&json!({"a.b": dir_a, "b": dir_b}), &fab, &docs)?;
    }
}

fn update_doc() -> impl Strategy<Value = Value> {
    let path = proptest::sample::select(vec!["a", "b", "a.b", "a.0", "b.c", "_id", "c", "a.1.b"]);
    let op = proptest::sample::select(vec![
        "$set",
        "$unset",
        "$inc",
        "$mul",
        "$min",
        "$max",
        "$push",
        "$addToSet",
        "$pull",
        "$pop",
        "$rename",
        "$setOnInsert",
    ]);
    prop::collection::vec((op, path, small_value()), 1..4).prop_map(|ops| {
        let mut m: Map<String, Value> = Map::new();
        for (op, path, v) in ops {
            let arg = match op {
                "$inc" | "$mul" => {
                    if v.is_number() {
                        v
                    } else {
                        json!(2)
                    }
                }
                "$pop" => json!(1),
                "$rename" => json!("z"),
                _ => v,
            };
            let entry = m.entry(op.to_string()).or_insert_with(|| json!({}));
            if let Value::Object(fields) = entry {
                fields.insert(path.to_string(), arg);
            }
        }
        Value::Object(m)
    })
}

proptest! {
    #[test]
    fn failed_updates_leave_documents_unchanged(d in document(), u in update_doc(), insert in any::<bool>()) {
        let Ok(update) = Update::parse(&u, "update") else {
            return Ok(());
        };
        let mut work = d.clone();
        match update.apply(&mut work, insert) {
            Err(_) => prop_assert_eq!(&work, &d, "document changed by failed update {}", u),
            Ok(changed) => {
                prop_assert_eq!(changed, work != d);
                prop_assert_eq!(work.get("_id"), d.get("_id"));
            }
        }
    }
}

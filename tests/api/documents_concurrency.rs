//! Concurrent writes through HTTP: no lost update, no duplicate `_id`.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    both_backends,
    documents_support::{all, coll, expect_json, insert, send},
};

both_backends!(eight_tasks_each_incrementing_a_counter_100_times_give_exactly_800, |app| {
    insert(&app, "c", json!({"_id": "counter", "n": 0})).await;
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move {
                for _ in 0..100 {
                    let inc = json!({"$inc": {"n": 1}});
                    let response = send(&app, Method::PATCH, &coll("c", "documents/counter"), Some(&inc)).await;
                    assert_eq!(response.status(), StatusCode::OK);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let doc = expect_json(app.get(&coll("c", "documents/counter")).await, StatusCode::OK, "counter").await;
    assert_eq!(doc, json!({"_id": "counter", "n": 800}));
});

both_backends!(concurrent_inserts_of_one_id_give_exactly_one_201_and_the_rest_409, |app| {
    let app = std::sync::Arc::new(app);
    for round in 0..3 {
        let id = format!("dup{round}");
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let app = std::sync::Arc::clone(&app);
                let body = json!({"_id": id, "writer": i});
                // A fresh collection in round 0: its creation races too.
                tokio::spawn(
                    async move { send(&app, Method::POST, &coll("ids", "documents"), Some(&body)).await.status() },
                )
            })
            .collect();
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.expect("task"));
        }
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        let conflicts = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
        assert_eq!((created, conflicts), (1, 15), "round {round}: {statuses:?}");
    }
    assert_eq!(all(&app, "ids").await.len(), 3);
});

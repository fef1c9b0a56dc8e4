//! Store bootstrap: the SQLite lock, PostgreSQL retries, migrations.

use std::time::Duration;

use squall::{App, AppError, store::StoreError};

use crate::helpers::{Backend, create_postgres_db, drop_postgres_db, install_crypto, spawn_app, test_config};

#[tokio::test]
async fn a_second_process_on_the_same_sqlite_directory_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("data").join("squall.db").display());
    let first = App::build(test_config(&url)).await.expect("first starts and creates the directory");
    let second = App::build(test_config(&url)).await;
    match second {
        Err(AppError::Store(StoreError::Locked { .. })) => {}
        other => panic!("expected a lock error, got {other:?}"),
    }
    let message = App::build(test_config(&url)).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("in use by another squall process"), "{message}");
    drop(first);
}

#[tokio::test]
async fn an_unreachable_postgres_is_retried_then_reported_with_the_password_redacted() {
    install_crypto();
    // Port 1 on loopback: nothing listens there, connections are refused.
    let mut config = test_config("postgres://squall:hunter2@127.0.0.1:1/squall");
    config.limits.database_connect_timeout_s = 1;
    let error = App::build(config).await.expect_err("must fail");
    let message = error.to_string();
    assert!(matches!(error, AppError::Store(StoreError::ConnectTimeout { attempts, .. }) if attempts > 1), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("127.0.0.1:1"), "{message}");
}

#[tokio::test]
async fn several_instances_starting_at_once_on_one_postgres_database_migrate_once() {
    install_crypto();
    let Some((name, url)) = create_postgres_db("store::several_instances").await else { return };
    let builds = (0..3).map(|_| App::build(test_config(&url)));
    let apps = futures::future::join_all(builds).await;
    for app in &apps {
        assert!(app.is_ok(), "{app:?}");
    }
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM squall_migrations ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .expect("query");
    let unique: std::collections::BTreeSet<_> = versions.iter().collect();
    assert_eq!(versions.len(), unique.len(), "each migration recorded once: {versions:?}");
    drop(conn);
    drop(apps);
    drop_postgres_db(name);
}

#[tokio::test]
async fn a_closed_store_refuses_calls_instead_of_hanging() {
    let app = spawn_app(Backend::Sqlite, "store::restart").await.expect("app");
    assert_eq!(app.ctx.store().backend(), squall::store::Backend::Sqlite);
    app.ctx.store().ping().await.expect("ping");
    app.ctx.store().close().await;
    let closed = tokio::time::timeout(Duration::from_secs(5), app.ctx.store().ping()).await.expect("no hang");
    assert!(matches!(closed, Err(StoreError::Closed)), "{closed:?}");
}

#[tokio::test]
async fn an_instance_notices_index_changes_made_by_another_on_the_same_postgres() {
    use serde_json::json;
    install_crypto();
    let Some((name, url)) = create_postgres_db("store::index_changes").await else { return };
    let a = App::build(test_config(&url)).await.expect("instance a");
    let b = App::build(test_config(&url)).await.expect("instance b");
    let (ca, cb) = (a.context().documents("people").expect("name"), b.context().documents("people").expect("name"));
    let docs: Vec<_> = (0..50).map(|i| json!({"_id": i, "name": format!("n{}", i % 5)})).collect();
    ca.insert_many(docs).await.expect("insert");
    let ids = |docs: Vec<squall::documents::StoredDocument>| {
        docs.into_iter().filter_map(|d| d.id().cloned()).collect::<Vec<_>>()
    };
    let query = || {
        squall::documents::FindQuery::all(
            squall::query::Filter::parse(&json!({"name": "n3"}), "filter").expect("filter"),
        )
    };
    let expected = ids(cb.find(query()).await.expect("b, no index")); // b caches "no index"
    assert_eq!(expected.len(), 10);

    ca.create_index("by_name", &json!({"name": 1}), false).await.expect("a creates an index");
    assert_eq!(ids(cb.find(query()).await.expect("b after create")), expected);
    assert_eq!(ids(cb.find(query()).await.expect("b caches a plan on by_name")), expected);
    assert!(
        cb.explain(&json!({"name": "n3"})).await.expect("explain").contains("by_name"),
        "b plans with the new index"
    );

    ca.drop_index("by_name").await.expect("a drops it");
    assert_eq!(ids(cb.find(query()).await.expect("b after drop")), expected, "b must not use the dropped index");
    ca.create_index("by_name", &json!({"name": -1}), false).await.expect("a re-creates it");
    assert_eq!(ids(cb.find(query()).await.expect("b after re-create")), expected);
    assert_eq!(ids(cb.find(query()).await.expect("b caches the new index")), expected);
    ca.drop_collection().await.expect("drop");
    assert!(ids(cb.find(query()).await.expect("b after drop collection")).is_empty());
    drop((a, b));
    drop_postgres_db(name);
}

//! Peers for squall's benchmarks: the least code that serves the same
//! requests with the same stack (axum 0.8, tokio, sqlx 0.9).
//!
//! Usage:
//!   baseline hello    --listen ADDR
//!   baseline sqlite   --listen ADDR --db sqlite://PATH
//!   baseline postgres --listen ADDR --db postgres://USER@HOST/DB
//!   baseline load     --db URL --file DOCS.jsonl
//!
//! `hello` answers `GET /healthz` with `{"status":"ok"}`. `sqlite` and
//! `postgres` answer `GET /people/find_one?name=X` with the stored JSON text
//! of the row (`SELECT body FROM people WHERE name = ?`, name indexed), 404
//! when none. `load` (re)creates `people(name TEXT, body TEXT)` with an index
//! on name and fills it from a JSON-lines file (one document per line; the
//! body stored is the line as written, the name its "name" field).

use std::{collections::HashMap, str::FromStr, time::Duration};

use axum::{
    Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use sqlx::{
    PgPool, SqlitePool,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn healthz() -> Response {
    json(r#"{"status":"ok"}"#.to_owned())
}

async fn find_sqlite(State(pool): State<SqlitePool>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(name) = q.get("name") else { return StatusCode::BAD_REQUEST.into_response() };
    match sqlx::query_scalar::<_, String>("SELECT body FROM people WHERE name = ?").bind(name).fetch_optional(&pool).await {
        Ok(Some(body)) => json(body),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn find_postgres(State(pool): State<PgPool>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(name) = q.get("name") else { return StatusCode::BAD_REQUEST.into_response() };
    match sqlx::query_scalar::<_, String>("SELECT body FROM people WHERE name = $1").bind(name).fetch_optional(&pool).await
    {
        Ok(Some(body)) => json(body),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// squall's SQLite settings: WAL, synchronous=NORMAL, 4 readers.
async fn sqlite_pool(url: &str) -> SqlitePool {
    let opts = SqliteConnectOptions::from_str(url)
        .expect("sqlite url")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new().max_connections(4).min_connections(4).connect_with(opts).await.expect("sqlite connect")
}

/// squall's PostgreSQL pool size: 16.
async fn pg_pool(url: &str) -> PgPool {
    PgPoolOptions::new().max_connections(16).connect(url).await.expect("postgres connect")
}

async fn serve(listen: &str, app: Router) {
    let listener = tokio::net::TcpListener::bind(listen).await.expect("bind");
    eprintln!("baseline listening on {listen}");
    axum::serve(listener, app).await.expect("serve");
}

async fn load(url: &str, file: &str) {
    let text = std::fs::read_to_string(file).expect("read docs file");
    let rows: Vec<(String, &str)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            (v["name"].as_str().expect("name").to_owned(), l)
        })
        .collect();
    macro_rules! fill {
        ($pool:expr, $ph:literal, $id:literal) => {{
            let pool = $pool;
            sqlx::query("DROP TABLE IF EXISTS people").execute(&pool).await.expect("drop");
            sqlx::query(concat!("CREATE TABLE people (id ", $id, " PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL)"))
                .execute(&pool)
                .await
                .expect("create");
            for chunk in rows.chunks(1000) {
                let mut tx = pool.begin().await.expect("begin");
                for (name, body) in chunk {
                    sqlx::query(concat!("INSERT INTO people (name, body) VALUES (", $ph, ")"))
                        .bind(name)
                        .bind(*body)
                        .execute(&mut *tx)
                        .await
                        .expect("insert");
                }
                tx.commit().await.expect("commit");
            }
            sqlx::query("CREATE INDEX people_by_name ON people (name)").execute(&pool).await.expect("index");
            sqlx::query("ANALYZE people").execute(&pool).await.expect("analyze");
            eprintln!("loaded {} rows into {url}", rows.len());
        }};
    }
    if url.starts_with("sqlite:") {
        fill!(sqlite_pool(url).await, "?, ?", "INTEGER");
    } else {
        fill!(pg_pool(url).await, "$1, $2", "BIGINT GENERATED ALWAYS AS IDENTITY");
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("");
    let listen = arg(&args, "--listen").unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    let db = arg(&args, "--db");
    match mode {
        "hello" => serve(&listen, Router::new().route("/healthz", get(healthz))).await,
        "sqlite" => {
            let pool = sqlite_pool(&db.expect("--db")).await;
            serve(&listen, Router::new().route("/people/find_one", get(find_sqlite)).with_state(pool)).await
        }
        "postgres" => {
            let pool = pg_pool(&db.expect("--db")).await;
            serve(&listen, Router::new().route("/people/find_one", get(find_postgres)).with_state(pool)).await
        }
        "load" => load(&db.expect("--db"), &arg(&args, "--file").expect("--file")).await,
        _ => {
            eprintln!("usage: baseline hello|sqlite|postgres|load [--listen ADDR] [--db URL] [--file DOCS.jsonl]");
            std::process::exit(2);
        }
    }
}

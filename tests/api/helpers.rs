//! `TestApp`: a real squall on port 0 with a fresh database (a temporary
//! SQLite directory, or a PostgreSQL database created for the test and
//! dropped after), a reqwest client, and problem+json assertions.

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use axum::{Json, Router, routing::get, routing::post};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use squall::{App, AppContext, Config, config::DatabaseUrl, http::extract::ApiJson};
use tokio::sync::{Notify, oneshot};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server under test; stops and drops its database when dropped.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub ctx: AppContext,
    /// Released by the test to let `/test/wait` answer.
    pub release: Arc<Notify>,
    shutdown: Option<oneshot::Sender<()>>,
    pub server: Option<tokio::task::JoinHandle<Result<(), squall::AppError>>>,
    _dir: tempfile::TempDir,
    postgres_db: Option<String>,
    /// The database URL the server was started with.
    pub database_url: String,
}

/// The admin URL of the test PostgreSQL server.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Whether PostgreSQL tests must run (in CI they never skip).
fn postgres_required() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Installs the TLS crypto provider once (reqwest is built without one).
pub fn install_crypto() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Records a skipped PostgreSQL test where `.ci/run` and the README look.
fn note_skip(test: &str, why: &str) {
    eprintln!("SKIPPED (no PostgreSQL): {test}: {why}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("postgres-skips.txt");
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        use std::io::Write;
        let _ = writeln!(file, "{test}: {why}");
    }
}

/// Creates a fresh PostgreSQL database; `None` (after a skip notice) when
/// the server is unreachable outside CI. In CI an unreachable server fails.
pub async fn create_postgres_db(test: &str) -> Option<(String, String)> {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(conn) => conn,
        Err(e) if !postgres_required() => {
            note_skip(test, &e.to_string());
            return None;
        }
        Err(e) => panic!("PostgreSQL at {admin} is required in CI: {e}"),
    };
    let name = format!("squall_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(&admin).expect("admin URL");
    url.set_path(&name);
    Some((name, url.to_string()))
}

/// Drops a test database (from `Drop`: on its own thread and runtime).
pub fn drop_postgres_db(name: String) {
    let admin = postgres_admin_url();
    let _ = std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        runtime.block_on(async {
            use sqlx::Connection;
            if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await;
            }
        });
    })
    .join();
}

/// A configuration for tests: port 0, short timeouts, given database.
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        database_url: DatabaseUrl::parse(database_url).expect("database url"),
        ..Config::default()
    };
    config.limits.database_connect_timeout_s = 5;
    config.limits.shutdown_grace_s = 10;
    config
}

async fn panicking_handler() -> &'static str {
    panic!("boom: secret internals")
}

/// Routes only tests use, registered the way a library user would.
fn test_routes(release: Arc<Notify>) -> Router<AppContext> {
    Router::new()
        .route("/test/echo", post(|ApiJson(body): ApiJson<Value>| async move { Json(body) }))
        .route("/test/panic", get(panicking_handler))
        .route(
            "/test/wait",
            get(move || {
                let release = Arc::clone(&release);
                async move {
                    release.notified().await;
                    "released"
                }
            }),
        )
}

/// Spawns squall on `backend`; `None` when PostgreSQL is unavailable outside CI.
pub async fn spawn_app(backend: Backend, test: &str) -> Option<TestApp> {
    spawn_app_with(backend, test, |_| {}).await
}

/// As [`spawn_app`], letting the test adjust the configuration first.
pub async fn spawn_app_with(backend: Backend, test: &str, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    install_crypto();
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, postgres_db) = match backend {
        Backend::Sqlite => (format!("sqlite://{}", dir.path().join("squall.db").display()), None),
        Backend::Postgres => {
            let (name, url) = create_postgres_db(test).await?;
            (url, Some(name))
        }
    };
    let mut config = test_config(&url);
    adjust(&mut config);
    let database_url = url.clone();
    let release = Arc::new(Notify::new());
    let app = App::builder(config)
        .routes(test_routes(Arc::clone(&release)))
        .route_access(reqwest::Method::POST, "/test/echo", Some(squall::config::Role::Write))
        .route_access(reqwest::Method::GET, "/test/panic", Some(squall::config::Role::Read))
        .route_access(reqwest::Method::GET, "/test/wait", Some(squall::config::Role::Read))
        .build()
        .await
        .expect("squall starts");
    let addr = app.local_addr();
    let ctx = app.context().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
    Some(TestApp {
        addr,
        client,
        ctx,
        release,
        shutdown: Some(tx),
        server: Some(server),
        _dir: dir,
        postgres_db,
        database_url,
    })
}

impl TestApp {
    /// `http://addr` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).json(body).send().await.expect("request")
    }

    /// Asks the server to stop (as SIGTERM would).
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.begin_shutdown();
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Some(name) = self.postgres_db.take() {
            drop_postgres_db(name);
        }
    }
}

/// Asserts a problem+json response of `status` and slug; returns its body.
pub async fn assert_problem(response: Response, status: StatusCode, slug: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["type"], format!("urn:squall:problem:{slug}"), "problem type in {body}");
    assert_eq!(body["status"], status.as_u16(), "status member in {body}");
    assert!(body["title"].is_string() && body["detail"].is_string(), "title and detail in {body}");
    body
}

/// Runs `$body` once per backend as `async fn(Backend)`; skips PostgreSQL
/// (with a notice) when it is not reachable outside CI.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::helpers::TestApp) $body

            #[tokio::test]
            async fn on_sqlite() {
                let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite, concat!(module_path!(), "::on_sqlite")).await;
                run(app.expect("sqlite always available")).await;
            }

            #[tokio::test]
            async fn on_postgres() {
                if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres, concat!(module_path!(), "::on_postgres")).await {
                    run(app).await;
                }
            }
        }
    };
}

//! # squall
//!
//! An async JSON API server, and the library it is built from. It turns
//! three async API patterns made popular by Python's Tornado into
//! production capabilities:
//!
//! 1. **Operations**: long-running work as resources (planned).
//! 2. **Documents**: JSON collections with MongoDB's query language
//!    (the engine lives in the `squall-query` crate, re-exported as [`query`]).
//! 3. **Upstreams**: external HTTP APIs behind one resilient client (planned).
//!
//! ## A tour
//!
//! A request enters through [`app`]'s accept loop (connection caps, header
//! timeouts, graceful drain), passes the layer stack of [`http`] (request
//! id, problem+json errors, deadline, body limit, authentication, rate
//! limit) and reaches a handler holding an [`AppContext`]: the
//! [`config::Config`], the [`store::Store`] and the server's lifecycle.
//! Each layer has one error type ([`store::StoreError`],
//! [`config::ConfigError`], ...) converted once into
//! [`http::error::ApiError`] at the edge.
//!
//! ```no_run
//! # async fn run() -> Result<(), squall::AppError> {
//! let app = squall::App::build(squall::Config::default()).await?;
//! println!("listening on {}", app.local_addr());
//! app.run_until_stopped(squall::shutdown::signal()).await
//! # }
//! ```
//!
//! # Layout
//!
//! - [`app`]: [`App`], its builder and the accept loop.
//! - [`cli`]: the command line (`serve`, `check-config`, `openapi`, `keygen`).
//! - [`config`]: layered, strict configuration and its secrets.
//! - [`context`]: [`AppContext`], what handlers share.
//! - [`http`]: routers, the layer stack, errors, extractors, auth, OpenAPI.
//! - [`shutdown`]: signals and the drain.
//! - [`store`]: SQLite (own threads) and PostgreSQL behind one API.
//! - [`telemetry`]: logging and metrics.

pub mod app;
pub mod cli;
pub mod config;
pub mod context;
pub mod documents;
pub mod http;
pub mod shutdown;
pub mod store;
pub mod telemetry;

pub use app::{App, AppBuilder, AppError};
pub use config::Config;
pub use context::AppContext;
pub use squall_query as query;

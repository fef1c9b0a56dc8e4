//! [`App`]: builds a squall server from a [`Config`] and runs it until a
//! shutdown future resolves. The binary, the integration tests and library
//! users all start squall this way.

mod serve;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, http::Method};
use tokio::net::TcpListener;

use crate::{
    config::{Config, ConfigError, Role},
    context::AppContext,
    http::{self, access::Access},
    store::{Store, StoreError},
    telemetry,
};

/// Why squall could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No keys and a non-loopback address, without `--allow-unauthenticated`.
    #[error(
        "refusing to listen on {0} with no API keys configured: anyone who can reach it could use it. Configure [[auth.keys]] (see `squall keygen`), listen on a loopback address, or pass --allow-unauthenticated"
    )]
    Unauthenticated(SocketAddr),
    /// The database could not be opened.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The address could not be bound (in use, not permitted).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// An I/O error while serving.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Extra routes and settings a library user adds before building.
pub struct AppBuilder {
    config: Config,
    routes: Router<AppContext>,
    route_access: Vec<(Method, String, Access)>,
}

impl AppBuilder {
    /// Adds routes (axum handlers taking `State<AppContext>`). Give each one
    /// its access with [`AppBuilder::route_access`]; unlisted routes need `admin`.
    #[must_use]
    pub fn routes(mut self, routes: Router<AppContext>) -> Self {
        self.routes = self.routes.merge(routes);
        self
    }

    /// Declares the role (or `None` for public) `method` on `route` needs.
    #[must_use]
    pub fn route_access(mut self, method: Method, route: &str, role: Option<Role>) -> Self {
        let access = role.map_or(Access::Public, Access::Role);
        self.route_access.push((method, route.to_owned(), access));
        self
    }

    /// Validates the configuration, opens the database and binds the
    /// listener: after this, the port is taken and [`App::local_addr`] is known.
    ///
    /// # Errors
    /// See [`AppError`].
    pub async fn build(self) -> Result<App, AppError> {
        let mut config = self.config;
        config.validate()?;
        if config.auth.keys.is_empty() && !config.listen.ip().is_loopback() && !config.allow_unauthenticated {
            return Err(AppError::Unauthenticated(config.listen));
        }
        config.limits.max_connections = serve::raise_open_files_limit(config.limits.max_connections);
        let listener =
            TcpListener::bind(config.listen).await.map_err(|source| AppError::Bind { addr: config.listen, source })?;
        let local_addr = listener.local_addr()?;
        let connect_timeout = Duration::from_secs(config.limits.database_connect_timeout_s);
        let statement_timeout = Duration::from_millis(config.limits.request_timeout_ms);
        let store = Store::open(&config.database_url, connect_timeout, statement_timeout).await?;
        let ctx = AppContext::new(Arc::new(config), store, telemetry::metrics_handle(), self.route_access);
        let router = http::router(ctx.clone(), self.routes);
        tracing::info!(addr = %local_addr, database = %ctx.config().database_url, "squall is listening");
        Ok(App { listener, local_addr, ctx, router })
    }
}

/// A bound, ready-to-run squall server.
pub struct App {
    listener: TcpListener,
    local_addr: SocketAddr,
    ctx: AppContext,
    router: Router,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("local_addr", &self.local_addr).finish_non_exhaustive()
    }
}

impl App {
    /// Starts building: add routes, then [`AppBuilder::build`].
    pub fn builder(config: Config) -> AppBuilder {
        AppBuilder { config, routes: Router::new(), route_access: Vec::new() }
    }

    /// Builds squall with its own routes only.
    ///
    /// # Errors
    /// See [`AppError`].
    pub async fn build(config: Config) -> Result<Self, AppError> {
        Self::builder(config).build().await
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The shared context (store, configuration) handlers see.
    pub fn context(&self) -> &AppContext {
        &self.ctx
    }

    /// Serves until `shutdown` resolves, then drains: `/readyz` turns 503 at
    /// once, requests keep being served (new connections too) until none is
    /// in flight or `limits.shutdown_grace_s` passes; then connections are
    /// closed and the database is closed cleanly.
    ///
    /// # Errors
    /// Only for failures of the listener itself.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), AppError> {
        serve::run(self.listener, self.router, self.ctx, shutdown).await
    }
}

//! Configuration: typed, layered and strict.
//!
//! Layers, each overriding the one before: built-in defaults → a TOML file
//! (`--config` / `SQUALL_CONFIG`) → `SQUALL_*` environment variables → flags.
//! Every struct denies unknown keys, so a typo is an error naming the key and
//! where it came from, and [`Config::validate`] refuses impossible values
//! before any port is bound. A key whose capability squall does not have yet
//! is refused with "not supported yet" rather than silently ignored.

mod database_url;
mod env;
pub mod secret;
mod security;

use std::{net::SocketAddr, path::PathBuf};

use figment::{
    Figment,
    providers::{Format, Serialized, Toml},
    value::Value,
};
use serde::{Deserialize, Serialize};

pub use database_url::DatabaseUrl;
pub use env::EnvLayer;
use env::FlagLayer;
pub use secret::Secret;
pub use security::{ApiKeyConfig, AuthConfig, CorsConfig, ProxyConfig, RateLimitConfig, Role};

/// Errors from loading or validating configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or did not match the schema (unknown key,
    /// wrong type, missing file). figment's message names the key and source.
    #[error("{0}")]
    Load(Box<figment::Error>),
    /// Values that parse but cannot work together or at all.
    #[error("invalid configuration:\n{}", .0.iter().map(|i| format!("  - {i}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<ConfigIssue>),
}

/// One problem with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// The dotted key, e.g. `limits.body_bytes`.
    pub key: String,
    /// What is wrong and what to do.
    pub message: String,
    /// Where the value came from (a file, a variable, a flag), when known.
    pub source: Option<String>,
}

impl std::fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)?;
        if let Some(source) = &self.source {
            write!(f, " (set in {source})")?;
        }
        Ok(())
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The whole configuration of one squall process.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on (`host:port`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Which database to use.
    pub database_url: DatabaseUrl,
    /// Allow listening on a non-loopback address with no API keys.
    pub allow_unauthenticated: bool,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Sizes, deadlines and caps.
    pub limits: Limits,
    /// API keys.
    pub auth: AuthConfig,
    /// Per-client request rate limit; absent means none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitConfig>,
    /// Cross-origin requests.
    pub cors: CorsConfig,
    /// Trusted reverse proxies.
    pub proxy: ProxyConfig,
    /// Not supported yet: refused when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<Value>,
    /// Not supported yet: refused when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstreams: Option<Value>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: DatabaseUrl::default(),
            allow_unauthenticated: false,
            log_format: LogFormat::Text,
            limits: Limits::default(),
            auth: AuthConfig::default(),
            rate_limit: None,
            cors: CorsConfig::default(),
            proxy: ProxyConfig::default(),
            operations: None,
            upstreams: None,
        }
    }
}

/// `[limits]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body; above it a 413.
    pub body_bytes: u64,
    /// A handler still running after this many milliseconds answers 504.
    pub request_timeout_ms: u64,
    /// A client slower than this to send its request headers is dropped.
    pub header_read_timeout_ms: u64,
    /// After SIGTERM, keep serving until idle or this many seconds pass.
    pub shutdown_grace_s: u64,
    /// At start, retry the database this long, then exit 1.
    pub database_connect_timeout_s: u64,
    /// Largest document (its JSON text).
    pub max_document_bytes: u64,
    /// Deepest nesting in a document or query.
    pub max_document_depth: u32,
    /// Sockets held open at once.
    pub max_connections: u32,
    /// `find` without `limit` returns this many.
    pub default_limit: u32,
    /// Largest accepted `limit`.
    pub max_limit: u32,
    /// Not supported yet (operations): refused when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_wait_s: Option<Value>,
    /// Not supported yet (upstreams): refused when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_response_bytes: Option<Value>,
    /// Not supported yet (upstreams): refused when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_cache_bytes: Option<Value>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 16 * 1024 * 1024,
            request_timeout_ms: 30_000,
            header_read_timeout_ms: 10_000,
            shutdown_grace_s: 30,
            database_connect_timeout_s: 30,
            max_document_bytes: 16 * 1024 * 1024,
            max_document_depth: 100,
            max_connections: 16_384,
            default_limit: 100,
            max_limit: 10_000,
            max_wait_s: None,
            upstream_response_bytes: None,
            upstream_cache_bytes: None,
        }
    }
}

/// Values given on the command line: the last, strongest layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config FILE`.
    pub config_file: Option<PathBuf>,
    /// `--listen`.
    pub listen: Option<String>,
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--allow-unauthenticated` (only `true` overrides).
    pub allow_unauthenticated: bool,
}

impl Config {
    /// Loads and validates: defaults → TOML file → `env` → `overrides`.
    ///
    /// # Errors
    /// [`ConfigError::Load`] for an unreadable file, an unknown key or
    /// variable, or a wrong type; [`ConfigError::Invalid`] for impossible values.
    pub fn load(overrides: &Overrides, env: EnvLayer) -> Result<Self, ConfigError> {
        let figment = Self::figment(overrides, env);
        let config: Config = figment.extract().map_err(|e| ConfigError::Load(Box::new(e)))?;
        config.validate_with(Some(&figment))?;
        Ok(config)
    }

    fn figment(overrides: &Overrides, env: EnvLayer) -> Figment {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = &overrides.config_file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(env);
        figment.merge(FlagLayer::new(overrides))
    }

    /// Checks values that parse but cannot work.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] listing every problem found.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_with(None)
    }

    fn validate_with(&self, figment: Option<&Figment>) -> Result<(), ConfigError> {
        let mut issues = Vec::new();
        let mut issue = |key: &str, message: String| {
            let source = figment.and_then(|f| f.find_metadata(key)).map(|md| match &md.source {
                Some(source) => format!("{} {source}", md.name),
                None => md.name.to_string(),
            });
            issues.push(ConfigIssue { key: key.to_owned(), message, source });
        };
        let l = &self.limits;
        let positive = [
            ("limits.body_bytes", l.body_bytes),
            ("limits.request_timeout_ms", l.request_timeout_ms),
            ("limits.header_read_timeout_ms", l.header_read_timeout_ms),
            ("limits.max_document_bytes", l.max_document_bytes),
            ("limits.max_document_depth", u64::from(l.max_document_depth)),
            ("limits.max_connections", u64::from(l.max_connections)),
            ("limits.default_limit", u64::from(l.default_limit)),
            ("limits.max_limit", u64::from(l.max_limit)),
        ];
        for (key, value) in positive {
            if value == 0 {
                issue(key, "must be greater than 0".into());
            }
        }
        if l.default_limit > l.max_limit {
            issue("limits.default_limit", format!("must not exceed limits.max_limit ({})", l.max_limit));
        }
        if l.max_document_depth > 1000 {
            issue("limits.max_document_depth", "must be at most 1000".into());
        }
        let unsupported = [
            ("operations", self.operations.is_some()),
            ("upstreams", self.upstreams.is_some()),
            ("limits.max_wait_s", l.max_wait_s.is_some()),
            ("limits.upstream_response_bytes", l.upstream_response_bytes.is_some()),
            ("limits.upstream_cache_bytes", l.upstream_cache_bytes.is_some()),
        ];
        for (key, present) in unsupported {
            if present {
                issue(key, "not supported yet by this version of squall; remove it".into());
            }
        }
        for (key, message) in self.auth.issues().into_iter().chain(self.security_issues()) {
            issue(&key, message);
        }
        if issues.is_empty() { Ok(()) } else { Err(ConfigError::Invalid(issues)) }
    }

    fn security_issues(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        if let Some(rate) = &self.rate_limit {
            issues.extend(rate.issues());
        }
        issues.extend(self.cors.issues());
        issues
    }

    /// The effective configuration as TOML, every secret redacted.
    ///
    /// # Errors
    /// Only if the configuration cannot be represented in TOML (a bug).
    pub fn to_redacted_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string_pretty(self)
    }
}

#[cfg(test)]
mod tests;

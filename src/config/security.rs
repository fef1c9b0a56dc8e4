//! `[[auth.keys]]`, `[rate_limit]`, `[cors]` and `[proxy]`: who may call
//! squall, how often, and from which origins.

use std::{collections::HashSet, net::IpAddr};

use serde::{Deserialize, Serialize};

use super::secret::Secret;

/// What a key may do. Ordered: each of read < write < admin includes the
/// ones before it; `metrics` is separate and only reads `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// GETs under `/v1` (except upstream calls) and read-only queries.
    Read,
    /// Read, plus writes, upstream calls and operations.
    Write,
    /// Write, plus drops, cancelling others' operations and `/metrics`.
    Admin,
    /// `/metrics` only, for scrapers.
    Metrics,
}

impl Role {
    /// The role's name as configured.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
            Self::Metrics => "metrics",
        }
    }

    /// Whether a key with this role may do what `required` allows.
    pub fn allows(self, required: Role) -> bool {
        match (self, required) {
            (Self::Admin, _) => true,
            (Self::Metrics, Self::Metrics) => true,
            (Self::Metrics, _) | (_, Self::Metrics) => false,
            (Self::Write, Self::Read | Self::Write) => true,
            (Self::Read, Self::Read) => true,
            _ => false,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Self::Read),
            "write" => Ok(Self::Write),
            "admin" => Ok(Self::Admin),
            "metrics" => Ok(Self::Metrics),
            other => Err(format!("unknown role {other:?}: expected read, write, admin or metrics")),
        }
    }
}

/// `[auth]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `[[auth.keys]]`: none by default.
    pub keys: Vec<ApiKeyConfig>,
}

/// One `[[auth.keys]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// Shown as the owner of what the key creates; unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Hex SHA-256 of the key (`sha256:` prefix allowed).
    pub sha256: Secret<String>,
    /// What the key may do.
    pub role: Role,
}

impl ApiKeyConfig {
    /// The 32-byte digest, if `sha256` is well formed.
    pub fn digest(&self) -> Option<[u8; 32]> {
        let raw = self.sha256.expose().trim();
        let hex_digits = raw.strip_prefix("sha256:").unwrap_or(raw);
        let mut digest = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut digest).ok()?;
        Some(digest)
    }

    /// `name`, or the first 8 lowercase hex digits of the hash.
    pub fn display_name(&self) -> String {
        match (&self.name, self.digest()) {
            (Some(name), _) => name.clone(),
            (None, Some(digest)) => hex::encode(&digest[..4]),
            (None, None) => "invalid-key".into(),
        }
    }
}

impl AuthConfig {
    pub(super) fn issues(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut names = HashSet::new();
        let mut digests = HashSet::new();
        for (i, key) in self.keys.iter().enumerate() {
            match key.digest() {
                None => issues.push((
                    format!("auth.keys[{i}].sha256"),
                    "must be 64 hex digits (optionally prefixed sha256:); `squall keygen` prints one".into(),
                )),
                Some(digest) if !digests.insert(digest) => {
                    issues.push((format!("auth.keys[{i}].sha256"), "the same key is configured twice".into()));
                }
                Some(_) => {}
            }
            if let Some(name) = &key.name
                && (name.is_empty() || name.len() > 64 || name.chars().any(char::is_control))
            {
                issues.push((format!("auth.keys[{i}].name"), "must be 1 to 64 printable characters".into()));
            }
            if !names.insert(key.display_name()) {
                issues.push((format!("auth.keys[{i}].name"), format!("{:?} is used by two keys", key.display_name())));
            }
        }
        issues
    }
}

/// `[rate_limit]`: a token bucket per key (or per client address).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Sustained rate.
    pub requests_per_second: u32,
    /// Bucket size: requests allowed at once after a quiet period.
    pub burst: u32,
}

impl RateLimitConfig {
    pub(super) fn issues(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        if self.requests_per_second == 0 {
            issues.push(("rate_limit.requests_per_second".into(), "must be greater than 0".into()));
        }
        if self.burst == 0 {
            issues.push(("rate_limit.burst".into(), "must be greater than 0".into()));
        }
        issues
    }
}

/// `[cors]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsConfig {
    /// Origins allowed to call squall from a browser; empty: CORS off.
    pub allowed_origins: Vec<String>,
}

impl CorsConfig {
    pub(super) fn issues(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        for (i, origin) in self.allowed_origins.iter().enumerate() {
            if origin == "*" {
                continue;
            }
            let ok = url::Url::parse(origin).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.path() == "/"
                    && !origin.ends_with('/')
                    && u.query().is_none()
                    && u.username().is_empty()
            });
            if !ok {
                issues.push((
                    format!("cors.allowed_origins[{i}]"),
                    format!("{origin:?} is not an origin: expected scheme://host[:port] such as https://app.example.com, or \"*\""),
                ));
            }
        }
        issues
    }
}

/// `[proxy]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyConfig {
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted: Vec<IpAddr>,
}

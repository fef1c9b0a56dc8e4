//! Authentication: `Authorization: Bearer <key>` checked against the
//! configured SHA-256 hashes in constant time, then the route's required
//! role from [`super::access`]. The [`Caller`] is put in the request's
//! extensions for every handler (operation owners, cancel checks).

use std::sync::Arc;

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderValue, header},
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{
    access::{self, Access},
    error::ApiError,
    problem::ProblemKind,
};
use crate::{
    config::{Config, Role},
    context::AppContext,
};

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No keys are configured: every request is allowed, nobody is named.
    Anonymous,
    /// A configured key.
    Key {
        /// The key's `name` (or the first 8 hex digits of its hash).
        name: Arc<str>,
        /// Its role.
        role: Role,
    },
}

impl Caller {
    /// The owner recorded on what this caller creates (`None` when anonymous).
    pub fn owner(&self) -> Option<&str> {
        match self {
            Self::Anonymous => None,
            Self::Key { name, .. } => Some(name),
        }
    }

    /// Whether the caller may act as `role` (always, when anonymous).
    pub fn allows(&self, role: Role) -> bool {
        match self {
            Self::Anonymous => true,
            Self::Key { role: own, .. } => own.allows(role),
        }
    }
}

/// The configured keys, ready for constant-time lookups.
#[derive(Debug, Clone, Default)]
pub struct Authenticator {
    keys: Vec<([u8; 32], Caller)>,
}

impl Authenticator {
    /// From `[[auth.keys]]` (validated before: malformed hashes are skipped).
    pub fn new(config: &Config) -> Self {
        let keys = config
            .auth
            .keys
            .iter()
            .filter_map(|k| Some((k.digest()?, Caller::Key { name: k.display_name().into(), role: k.role })))
            .collect();
        Self { keys }
    }

    /// Whether any key is configured.
    pub fn is_enabled(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The caller presenting `key`, comparing against every configured hash
    /// without stopping early, so timing says nothing about which matched.
    pub fn identify(&self, key: &str) -> Option<Caller> {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let mut found = None;
        for (candidate, caller) in &self.keys {
            if bool::from(candidate.ct_eq(&digest)) {
                found = Some(caller.clone());
            }
        }
        found
    }
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(ProblemKind::Unauthorized, detail)
        .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"squall\""))
}

/// The bearer token of a request, if it has a well-formed one.
fn bearer(request: &Request) -> Option<&str> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

/// Identifies the caller of `request` and checks the route's role.
///
/// # Errors
/// 401 without a valid key where one is needed; 403 for a role that does
/// not cover the route.
pub fn authorize(ctx: &AppContext, request: &Request) -> Result<Caller, ApiError> {
    // Unmatched paths fall through to the 404 fallback: nothing to protect.
    let access = match request.extensions().get::<MatchedPath>() {
        Some(route) => {
            access::lookup(ctx.route_access(), request.method(), route.as_str()).unwrap_or(Access::Role(Role::Admin))
        }
        None => Access::Public,
    };
    let auth = ctx.auth();
    let caller = if !auth.is_enabled() {
        Caller::Anonymous
    } else {
        match bearer(request).map(|key| auth.identify(key)) {
            Some(Some(caller)) => caller,
            Some(None) if access != Access::Public => return Err(unauthorized("the API key is not valid")),
            None if access != Access::Public => {
                return Err(unauthorized("send an API key: Authorization: Bearer <key>"));
            }
            _ => Caller::Anonymous,
        }
    };
    if let Access::Role(required) = access
        && !caller.allows(required)
    {
        let role = match &caller {
            Caller::Key { role, .. } => role.as_str(),
            Caller::Anonymous => "none",
        };
        return Err(ApiError::new(
            ProblemKind::Forbidden,
            format!("this needs the {} role; the key's role is {role}", required.as_str()),
        ));
    }
    Ok(caller)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ApiKeyConfig, Secret};

    fn config_with(key: &str, role: Role) -> Config {
        let mut config = Config::default();
        config.auth.keys.push(ApiKeyConfig {
            name: None,
            sha256: Secret::new(format!("sha256:{}", hex::encode(Sha256::digest(key.as_bytes())))),
            role,
        });
        config
    }

    #[test]
    fn a_key_is_recognised_by_its_hash_and_named_by_its_prefix() {
        let auth = Authenticator::new(&config_with("sq_secret", Role::Write));
        let caller = auth.identify("sq_secret");
        let expected_name = hex::encode(&Sha256::digest(b"sq_secret")[..4]);
        assert_eq!(caller, Some(Caller::Key { name: expected_name.into(), role: Role::Write }));
        assert_eq!(auth.identify("sq_secreT"), None);
        assert_eq!(auth.identify(""), None);
    }

    #[test]
    fn roles_include_what_the_spec_says() {
        use Role::*;
        let cases = [
            (Read, Read, true),
            (Read, Write, false),
            (Write, Read, true),
            (Write, Admin, false),
            (Admin, Metrics, true),
            (Admin, Write, true),
            (Metrics, Metrics, true),
            (Metrics, Read, false),
            (Write, Metrics, false),
        ];
        for (own, needed, allowed) in cases {
            assert_eq!(own.allows(needed), allowed, "{own:?} acting as {needed:?}");
        }
    }
}

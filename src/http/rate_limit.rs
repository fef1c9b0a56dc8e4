//! Per-client rate limiting (governor's GCRA token buckets): keyed by API
//! key name, or by client address when no keys are configured. The address
//! comes from `X-Forwarded-For` only when the peer is a trusted proxy.

use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::Arc,
};

use axum::extract::{ConnectInfo, MatchedPath, Request};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};

use super::{auth::Caller, error::ApiError, problem::ProblemKind};
use crate::{
    config::{ProxyConfig, RateLimitConfig},
    context::AppContext,
    telemetry::names,
};

/// Routes never limited: probes must see the truth under load.
const EXEMPT: &[&str] = &["/healthz", "/readyz"];

/// What a bucket is keyed by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An API key's name.
    Key(Arc<str>),
    /// A client address.
    Addr(IpAddr),
}

/// The limiter of one squall instance.
#[derive(Debug)]
pub struct Limiter {
    buckets: DefaultKeyedRateLimiter<ClientKey>,
}

impl Limiter {
    /// From `[rate_limit]`; `None` when the section is absent or zero.
    pub fn new(config: Option<&RateLimitConfig>) -> Option<Self> {
        let config = config?;
        let rate = NonZeroU32::new(config.requests_per_second)?;
        let burst = NonZeroU32::new(config.burst)?;
        Some(Self { buckets: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)) })
    }

    /// Takes one token; `Err(seconds)` to wait when the bucket is empty.
    pub fn check(&self, key: &ClientKey) -> Result<(), u64> {
        self.buckets.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets buckets that are full again (bounds memory under many clients).
    pub fn forget_idle(&self) {
        self.buckets.retain_recent();
        self.buckets.shrink_to_fit();
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy,
/// the right-most `X-Forwarded-For` entry that is not itself trusted.
pub fn client_addr(request: &Request, proxy: &ProxyConfig) -> Option<IpAddr> {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if !proxy.trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    Some(forwarded.iter().rev().find(|ip| !proxy.trusted.contains(ip)).or(forwarded.first()).copied().unwrap_or(peer))
}

/// Takes a token for the caller of `request`.
///
/// # Errors
/// 429 with `Retry-After` once the client's bucket is empty.
pub fn admit(ctx: &AppContext, request: &Request, caller: &Caller) -> Result<(), ApiError> {
    let Some(limiter) = ctx.limiter() else { return Ok(()) };
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    if route.is_some_and(|r| EXEMPT.contains(&r)) {
        return Ok(());
    }
    let key = match caller {
        Caller::Key { name, .. } => Some(ClientKey::Key(Arc::clone(name))),
        Caller::Anonymous => client_addr(request, &ctx.config().proxy).map(ClientKey::Addr),
    };
    if let Some(key) = key
        && let Err(wait_s) = limiter.check(&key)
    {
        metrics::counter!(names::RATE_LIMITED).increment(1);
        return Err(ApiError::new(ProblemKind::RateLimited, format!("rate limit exceeded; retry in {wait_s} s"))
            .with_retry_after(wait_s.max(1)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, xff: Option<&str>) -> Request {
        let mut builder = Request::builder().uri("/");
        if let Some(xff) = xff {
            builder = builder.header("x-forwarded-for", xff);
        }
        let mut request = builder.body(axum::body::Body::empty()).unwrap_or_default();
        if let Ok(peer) = peer.parse::<SocketAddr>() {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        request
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ProxyConfig { trusted: vec!["10.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))] };
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert_eq!(client_addr(&request("192.0.2.9:5000", Some("203.0.113.7")), &proxy), ip("192.0.2.9"));
        assert_eq!(client_addr(&request("10.0.0.1:5000", Some("203.0.113.7")), &proxy), ip("203.0.113.7"));
        assert_eq!(
            client_addr(&request("10.0.0.1:5000", Some("198.51.100.1, 203.0.113.7, 10.0.0.1")), &proxy),
            ip("203.0.113.7"),
            "the right-most untrusted hop is the client; earlier entries can be forged"
        );
        assert_eq!(client_addr(&request("10.0.0.1:5000", None), &proxy), ip("10.0.0.1"));
    }

    #[test]
    fn the_bucket_empties_after_the_burst() {
        let limiter = Limiter::new(Some(&RateLimitConfig { requests_per_second: 1, burst: 2 }));
        let key = ClientKey::Key("k".into());
        let results: Vec<bool> = (0..3).map(|_| limiter.as_ref().is_some_and(|l| l.check(&key).is_ok())).collect();
        assert_eq!(results, [true, true, false]);
    }
}

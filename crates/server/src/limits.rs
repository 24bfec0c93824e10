//! Request limits: rate limits per client address and per API token, and timeouts.
//!
//! Rate limits are token buckets (one per key) refilled continuously: a key may spend its whole
//! minute's allowance in a burst, then one request per `60 / limit` seconds. Every request
//! counts against its client address; requests bearing a token also count against the token,
//! so one organisation's scripts cannot starve the others behind the same address, nor many
//! addresses share one token without bound. Buckets live in memory: limits are per process.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::error::ApiError;
use crate::extract::bearer_token;
use crate::state::AppState;
use crate::tokens;

/// Past this many keys, full buckets are forgotten (they hold no information).
const PRUNE_ABOVE: usize = 10_000;

/// The rate limits' buckets.
pub(crate) struct RateLimiter {
    per_address: KeyedLimit,
    per_token: KeyedLimit,
    trust_forwarded_for: bool,
}

impl RateLimiter {
    pub(crate) fn new(config: &Config) -> RateLimiter {
        RateLimiter {
            per_address: KeyedLimit::new(config.rate_limit_per_address),
            per_token: KeyedLimit::new(config.rate_limit_per_token),
            trust_forwarded_for: config.trust_forwarded_for,
        }
    }
}

struct KeyedLimit {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl KeyedLimit {
    fn new(per_minute: u32) -> KeyedLimit {
        KeyedLimit {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Spends one request of `key`'s allowance, or says in how many seconds one is available.
    fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second
                    < capacity
            });
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / per_second).ceil().max(1.0) as u64)
        }
    }
}

/// Middleware: refuses with 429 and `Retry-After` once a limit is exhausted.
pub(crate) async fn rate_limit(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limiter = &state.limiter;
    let now = Instant::now();
    let address = client_address(&request, limiter.trust_forwarded_for);
    let address_key = address.map_or_else(|| "inconnue".to_owned(), |ip| ip.to_string());
    if let Err(retry) = limiter.per_address.check(&address_key, now) {
        tracing::warn!(client = %address_key, "rate limit per address reached");
        return ApiError::too_many_requests(retry, "depuis cette adresse", "from this address")
            .into_response();
    }
    if let Ok(Some(secret)) = bearer_token(request.headers()) {
        // Keyed by hash: the limiter never keeps secrets in memory.
        if let Err(retry) = limiter.per_token.check(&tokens::hash(secret), now) {
            tracing::warn!("rate limit per token reached");
            return ApiError::too_many_requests(retry, "avec ce jeton", "with this token")
                .into_response();
        }
    }
    next.run(request).await
}

/// The client's address: the peer of the connection, or, behind a trusted reverse proxy, the
/// last address of `X-Forwarded-For` (the one the proxy itself appended).
fn client_address(request: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for && let Some(forwarded) = forwarded_for(request.headers()) {
        return Some(forwarded);
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip())
}

fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|entry| entry.trim().parse().ok())
        .next_back()
}

/// Middleware: answers 503 `timeout` when the handler takes longer than the duration given.
///
/// A publication that times out still completes in the background (the store's work is not
/// cancelled half-way): the client sees it in the resource's versions.
pub(crate) async fn timeout(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let seconds = limit.as_secs();
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!("la requête n'a pas abouti dans le délai de {seconds} s"),
                format!("the request did not complete within {seconds} s"),
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refills() {
        let limit = KeyedLimit::new(60);
        let start = Instant::now();
        for _ in 0..60 {
            limit.check("a", start).unwrap();
        }
        assert_eq!(limit.check("a", start), Err(1));
        // Another key has its own allowance.
        limit.check("b", start).unwrap();
        // One request per second comes back.
        limit.check("a", start + Duration::from_secs(1)).unwrap();
        assert!(limit.check("a", start + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn zero_means_unlimited() {
        let limit = KeyedLimit::new(0);
        let now = Instant::now();
        for _ in 0..10_000 {
            limit.check("a", now).unwrap();
        }
    }

    #[test]
    fn forwarded_for_takes_the_last_entry() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        assert_eq!(forwarded_for(&headers), "198.51.100.7".parse().ok());
    }
}

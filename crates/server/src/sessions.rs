//! The HTTP side of browser sessions: the cookie, whether it is `Secure`, and the request
//! extractor that finds the signed-in user. Sessions themselves (secrets, expiry, revocation)
//! belong to `catalogue::accounts` and live in the store, so any server of a cluster serves any
//! request.
//!
//! The session cookie is `HttpOnly` (no script reads it), `SameSite=Lax` (not sent with another
//! site's POST) and `Path=/`; `Secure` when the request came over HTTPS (see
//! [`CookieSecure`]). Forms carry a CSRF token: the session's own once signed in; before that
//! (the sign-in form) a random token both in a short-lived cookie and in the form, which must
//! match ("double submit").

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use catalogue::{SessionPolicy, SignedIn};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "socle_session";
/// The sign-in form's CSRF cookie (before any session exists).
pub const LOGIN_CSRF_COOKIE: &str = "socle_csrf";

/// When cookies get the `Secure` attribute (sent over HTTPS only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CookieSecure {
    /// When the request came over HTTPS: as told by `X-Forwarded-Proto: https` from a trusted
    /// reverse proxy (`trust_forwarded_for`). Socle itself serves plain HTTP.
    #[default]
    Auto,
    /// Always (the instance is only reachable over HTTPS).
    Always,
    /// Never (local tests over plain HTTP).
    Never,
}

/// The session lengths from the settings.
pub fn policy(config: &Config) -> SessionPolicy {
    // Clamped so that an absurd setting cannot overflow a duration.
    let minutes = i64::try_from(config.session_idle_minutes).unwrap_or(i64::MAX);
    let hours = i64::try_from(config.session_max_hours).unwrap_or(i64::MAX);
    SessionPolicy {
        idle: jiff::SignedDuration::from_mins(minutes.min(i64::MAX / 60)),
        max_age: jiff::SignedDuration::from_hours(hours.min(i64::MAX / 3600)),
    }
}

/// Whether cookies set in answer to this request must be `Secure`.
pub fn secure(config: &Config, headers: &HeaderMap) -> bool {
    match config.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => {
            config.trust_forwarded_for
                && headers
                    .get("x-forwarded-proto")
                    .and_then(|value| value.to_str().ok())
                    .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
        }
    }
}

/// The value of cookie `name` in the request, if present.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

/// A `Set-Cookie` value. `max_age_secs` 0 deletes the cookie; `None` keeps it for the browser
/// session (the server decides expiry anyway).
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age_secs: Option<u64>) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(seconds) = max_age_secs {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    // Names and values are ours: ASCII letters, digits and `_`, always a valid header.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(expected: &str, submitted: &str) -> bool {
    let (expected, submitted) = (expected.as_bytes(), submitted.as_bytes());
    expected.len() == submitted.len()
        && expected
            .iter()
            .zip(submitted)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The signed-in user of a request, if any: the session cookie names a live session.
/// An unknown, expired or revoked session is the same as none.
#[derive(Debug, Clone)]
pub struct Visitor(pub Option<SignedIn>);

impl Visitor {
    pub fn signed_in(&self) -> Option<&SignedIn> {
        self.0.as_ref()
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(visitor) = parts.extensions.get::<Visitor>() {
            return Ok(visitor.clone());
        }
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_owned) else {
            return Ok(Visitor(None));
        };
        let policy = policy(&state.config);
        let signed_in = state
            .blocking(move |catalogue| Ok(catalogue.session(&secret, &policy)?))
            .await?;
        let visitor = Visitor(signed_in);
        parts.extensions.insert(visitor.clone());
        Ok(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=sombre; socle_session=abc123 ; autre=x"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc123"));
        assert_eq!(cookie(&headers, "absent"), None);
    }

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_behind_tls() {
        let value = set_cookie(SESSION_COOKIE, "abc", true, None);
        assert_eq!(
            value.to_str().unwrap(),
            "socle_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        let deleted = set_cookie(SESSION_COOKIE, "", false, Some(0));
        assert_eq!(
            deleted.to_str().unwrap(),
            "socle_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        );

        let mut https = HeaderMap::new();
        https.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let mut config = Config::default();
        assert!(
            !secure(&config, &https),
            "proxy headers are not trusted by default"
        );
        config.trust_forwarded_for = true;
        assert!(secure(&config, &https));
        assert!(!secure(&config, &HeaderMap::new()));
        config.cookie_secure = CookieSecure::Always;
        assert!(secure(&config, &HeaderMap::new()));
        config.cookie_secure = CookieSecure::Never;
        assert!(!secure(&config, &https));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abcd", "abcd"));
        assert!(!same_secret("abcd", "abce"));
        assert!(!same_secret("abcd", "abc"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn settings_give_the_policy() {
        let config = Config {
            session_idle_minutes: 30,
            session_max_hours: 2,
            ..Config::default()
        };
        let policy = policy(&config);
        assert_eq!(policy.idle, jiff::SignedDuration::from_mins(30));
        assert_eq!(policy.max_age, jiff::SignedDuration::from_hours(2));
    }
}

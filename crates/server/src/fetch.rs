//! Downloading a remote file to publish it (`POST /api/v1/resources/{id}/versions` with
//! `{"url": …}`): streamed to a temporary file under the same size limit as uploads.
//!
//! A pooling body's server fetches URLs that its users type, so by default it refuses to reach
//! its own network (loopback, private, link-local and other non-public addresses): every name is
//! resolved through [`PublicOnlyResolver`], and literal addresses (in the URL or in a redirect)
//! are checked before connecting. `fetch_private_addresses = true` lifts this for instances
//! that harvest an intranet (and for tests).

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use tempfile::NamedTempFile;

use crate::error::{ApiError, ApiResult};
use crate::spool::Spool;

/// The HTTP client of the server, built once (connection reuse, one TLS configuration).
pub(crate) struct Fetcher {
    client: reqwest::Client,
    allow_private: bool,
}

impl Fetcher {
    pub(crate) fn new(timeout: Duration, allow_private: bool) -> Fetcher {
        // reqwest is compiled without a default crypto provider (aws-lc is costly to build);
        // `ring` is installed once for the process. A second call only reports it is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("Socle/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10).min(timeout))
            .timeout(timeout)
            .redirect(redirect_policy(allow_private));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
        }
        let client = builder
            .build()
            .expect("static HTTP client settings are valid");
        Fetcher {
            client,
            allow_private,
        }
    }

    /// Downloads `url` into a temporary file under `directory`; returns it with the file name
    /// the URL suggests (its last path segment).
    pub(crate) async fn download(
        &self,
        url: &str,
        directory: &Path,
        limit: u64,
    ) -> ApiResult<(NamedTempFile, Option<String>)> {
        let parsed = parse_url(url)?;
        if !self.allow_private {
            refuse_private_literal(&parsed)?;
        }
        let mut response = self
            .client
            .get(parsed.clone())
            .send()
            .await
            .map_err(|error| unreachable(url, &error))?;
        if !response.status().is_success() {
            return Err(remote_status(url, response.status()));
        }
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(ApiError::payload_too_large(limit));
        }
        let mut spool = Spool::create(directory, limit).await?;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| unreachable(url, &error))?
        {
            spool.write(&chunk).await?;
        }
        let file_name = response
            .url()
            .path_segments()
            .and_then(|mut segments| segments.next_back().map(str::to_owned))
            .filter(|name| !name.is_empty());
        Ok((spool.finish().await?, file_name))
    }
}

fn parse_url(url: &str) -> ApiResult<reqwest::Url> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|error| {
        ApiError::bad_request(
            format!("adresse « {url} » illisible ({error}) : une URL complète est attendue, comme https://exemple.fr/menus.csv"),
            format!("unreadable URL `{url}` ({error}): a full URL is expected, such as https://example.org/menus.csv"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ApiError::bad_request(
            format!("adresse « {url} » : seules les URL http:// et https:// sont acceptées"),
            format!("URL `{url}`: only http:// and https:// URLs are accepted"),
        ));
    }
    Ok(parsed)
}

/// A literal address in the URL skips name resolution, so it is checked here.
fn refuse_private_literal(url: &reqwest::Url) -> ApiResult<()> {
    let literal = match url.host() {
        Some(url::Host::Ipv4(address)) => Some(IpAddr::V4(address)),
        Some(url::Host::Ipv6(address)) => Some(IpAddr::V6(address)),
        _ => None,
    };
    match literal {
        Some(address) if !is_public(address) => Err(private_address(url.as_str())),
        _ => Ok(()),
    }
}

fn redirect_policy(allow_private: bool) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            return attempt.error("trop de redirections (plus de 10)");
        }
        if !allow_private && refuse_private_literal(attempt.url()).is_err() {
            return attempt.error("redirection vers une adresse non publique");
        }
        attempt.follow()
    })
}

/// Resolves names like the system does, then keeps only public addresses, so that a name
/// pointing inside the server's network (or re-pointed there later) cannot be fetched.
struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .into_iter()
                .filter(|address| is_public(address.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host}: no public address").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Whether an address is reachable on the public Internet (not loopback, private, link-local,
/// shared, documentation, multicast or unspecified).
fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

fn private_address(url: &str) -> ApiError {
    ApiError::bad_request(
        format!(
            "adresse « {url} » refusée : elle désigne le réseau interne du serveur, pas une adresse publique d'Internet"
        ),
        format!(
            "URL `{url}` refused: it points into the server's own network, not to a public Internet address"
        ),
    )
}

fn unreachable(url: &str, error: &reqwest::Error) -> ApiError {
    if error.is_timeout() {
        return ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "remote_timeout",
            format!(
                "le serveur distant n'a pas envoyé « {url} » à temps ; réessayez plus tard ou envoyez le fichier lui-même"
            ),
            format!(
                "the remote server did not send `{url}` in time; retry later or send the file itself"
            ),
        );
    }
    let mut cause: &dyn std::error::Error = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    if cause.to_string().contains("no public address") || error.is_redirect() {
        return private_address(url);
    }
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "remote_unreachable",
        format!("impossible de télécharger « {url} » : {cause}"),
        format!("could not download `{url}`: {cause}"),
    )
}

fn remote_status(url: &str, status: reqwest::StatusCode) -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "remote_error",
        format!(
            "le serveur distant a répondu {status} pour « {url} » : vérifiez l'adresse du fichier"
        ),
        format!("the remote server answered {status} for `{url}`: check the file's address"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["193.51.24.1", "8.8.8.8", "2a01:e0a::1"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn only_http_urls_are_fetched() {
        assert!(parse_url("https://exemple.fr/menus.csv").is_ok());
        for bad in ["file:///etc/passwd", "ftp://exemple.fr/a.csv", "menus.csv"] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }
}

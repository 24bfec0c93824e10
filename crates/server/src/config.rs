//! [`Config`]: every setting of `socle serve`.
//!
//! Three sources, in increasing precedence: a TOML file, `SOCLE_*` environment variables, then
//! command-line flags (meilisearch's "toml < env vars < cli args"). This module only merges
//! values it is given: the binary reads the file and the environment and passes them in, so
//! that the library never reads the environment by name.
//!
//! Every field is documented in `docs/configuration.md` and `config.example.toml` (a test
//! checks both against [`Config::FIELDS`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::sessions::CookieSecure;

/// The server's settings. Field names are the TOML keys; the environment variable of a field
/// is `SOCLE_` followed by its name in capitals (`listen` → `SOCLE_LISTEN`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Data directory: the SQLite database and the original files (`--data`, `SOCLE_DATA`).
    pub data: PathBuf,
    /// The database: empty for SQLite in the data directory, a path or `sqlite:path`, or
    /// `postgres://…` (`--database-url`, `SOCLE_DATABASE_URL`).
    pub database_url: String,
    /// Where the original files live: empty for `blobs/` in the data directory, or
    /// `s3://bucket/prefix` for S3-compatible object storage (`--blob-store`, `SOCLE_BLOB_STORE`).
    pub blob_store: String,
    /// The S3 server's address (empty: AWS itself, or `AWS_ENDPOINT_URL`).
    pub s3_endpoint: String,
    /// The bucket's region (empty: `AWS_REGION`, else `us-east-1`).
    pub s3_region: String,
    /// Access key (empty: `AWS_ACCESS_KEY_ID`).
    pub s3_access_key_id: String,
    /// Secret key (empty: `AWS_SECRET_ACCESS_KEY`). Never logged.
    pub s3_secret_access_key: String,
    /// Allow a plain `http://` endpoint (a local S3 server).
    pub s3_allow_http: bool,
    /// Address and port to listen on (`--listen`, `SOCLE_LISTEN`).
    pub listen: SocketAddr,
    /// Largest file accepted for publication, in bytes; larger uploads get a 413.
    pub max_upload_bytes: u64,
    /// Largest JSON request body, in bytes (metadata, not files).
    pub max_json_bytes: usize,
    /// Time allowed for an ordinary request, in seconds, before a 503 `timeout`.
    pub request_timeout_secs: u64,
    /// Time allowed for an upload (receiving, validating and loading the file), in seconds.
    pub upload_timeout_secs: u64,
    /// Requests per minute allowed from one client address (0: no limit).
    pub rate_limit_per_address: u32,
    /// Requests per minute allowed with one API token (0: no limit).
    pub rate_limit_per_token: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (only behind a reverse
    /// proxy that sets it; otherwise clients could choose their own address).
    pub trust_forwarded_for: bool,
    /// Origins allowed to call the API from a browser (CORS); `["*"]` allows every origin.
    pub cors_allowed_origins: Vec<String>,
    /// Time allowed to download a file published by URL, in seconds.
    pub fetch_timeout_secs: u64,
    /// Allow publishing by URL from loopback, private and link-local addresses (the server's
    /// own network). Off by default, so users cannot make the server reach internal services.
    pub fetch_private_addresses: bool,
    /// What to log (`tracing` filter syntax: `info`, `server=debug,info`...). `RUST_LOG`, when
    /// set, wins over this setting.
    pub log: String,
    /// The portal's name, shown in its header and page titles.
    pub portal_instance_name: String,
    /// A line under the name in the portal's header.
    pub portal_tagline: String,
    /// Address of the logo shown in the portal's header (empty: the name alone).
    pub portal_logo_url: String,
    /// The portal's main colour, `#rrggbb` (links, buttons, header rule).
    pub portal_primary_colour: String,
    /// A folder of templates that replace the embedded ones of the same name (empty: none).
    pub portal_templates_dir: String,
    /// Base map tiles for dataset maps, `{z}/{x}/{y}` URL template (empty: the map is drawn
    /// without tiles).
    pub portal_map_tiles_url: String,
    /// Minutes without activity after which a portal session ends.
    pub session_idle_minutes: u64,
    /// Hours after which a portal session ends, however active.
    pub session_max_hours: u64,
    /// When session cookies are `Secure`: `auto` (behind a trusted proxy saying
    /// `X-Forwarded-Proto: https`), `always` or `never`.
    pub cookie_secure: CookieSecure,
    /// Uploads of at least this many bytes are published in the background (202 and a job to
    /// follow) even when the client did not ask for it; 0: only on request.
    pub async_publication_bytes: u64,
    /// How long a server's claim on a background job lasts without a heartbeat, in seconds:
    /// the job of a server that died is taken over by another after this. Heartbeats come
    /// every third of it.
    pub job_lease_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data: PathBuf::from("socle-data"),
            database_url: String::new(),
            blob_store: String::new(),
            s3_endpoint: String::new(),
            s3_region: String::new(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            s3_allow_http: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_upload_bytes: 512 * 1024 * 1024,
            max_json_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            upload_timeout_secs: 600,
            rate_limit_per_address: 600,
            rate_limit_per_token: 1200,
            trust_forwarded_for: false,
            cors_allowed_origins: Vec::new(),
            fetch_timeout_secs: 300,
            fetch_private_addresses: false,
            log: "info".to_owned(),
            portal_instance_name: "Socle".to_owned(),
            portal_tagline: "Les données publiques des collectivités".to_owned(),
            portal_logo_url: String::new(),
            portal_primary_colour: "#1b4f8a".to_owned(),
            portal_templates_dir: String::new(),
            portal_map_tiles_url: String::new(),
            session_idle_minutes: 8 * 60,
            session_max_hours: 7 * 24,
            cookie_secure: CookieSecure::Auto,
            async_publication_bytes: 50 * 1024 * 1024,
            job_lease_secs: 120,
        }
    }
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("fichier de configuration illisible : {0}")]
    File(String),
    #[error("variable d'environnement {name} : {message}")]
    Env { name: String, message: String },
    #[error("réglage « {name} » : {message}")]
    Value { name: String, message: String },
}

impl Config {
    /// Every setting, by TOML key.
    pub const FIELDS: &'static [&'static str] = &[
        "data",
        "database_url",
        // Config::BLOB_FIELDS, in this order (a test checks).
        "blob_store",
        "s3_endpoint",
        "s3_region",
        "s3_access_key_id",
        "s3_secret_access_key",
        "s3_allow_http",
        "listen",
        "max_upload_bytes",
        "max_json_bytes",
        "request_timeout_secs",
        "upload_timeout_secs",
        "rate_limit_per_address",
        "rate_limit_per_token",
        "trust_forwarded_for",
        "cors_allowed_origins",
        "fetch_timeout_secs",
        "fetch_private_addresses",
        "log",
        "portal_instance_name",
        "portal_tagline",
        "portal_logo_url",
        "portal_primary_colour",
        "portal_templates_dir",
        "portal_map_tiles_url",
        "session_idle_minutes",
        "session_max_hours",
        "cookie_secure",
        "async_publication_bytes",
        "job_lease_secs",
    ];

    /// The lease of background jobs (at least a second: heartbeats come every third of it).
    pub fn job_lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.job_lease_secs.max(1))
    }

    /// Reads a TOML file's text; missing keys keep their default.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|error| ConfigError::File(error.to_string()))
    }

    /// The settings that say where the blobs live: every command reads them (from `SOCLE_*`
    /// variables outside `socle serve`), not only the server.
    pub const BLOB_FIELDS: &'static [&'static str] = Config::FIELDS.split_at(2).1.split_at(6).0;

    /// Where the blobs live, from `blob_store` and the `s3_*` settings; S3 settings left empty
    /// are taken from the standard `AWS_*` variables among `aws_env`.
    pub fn blob_backend(
        &self,
        aws_env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<store::BlobBackend, ConfigError> {
        if self.blob_store.is_empty() {
            return Ok(store::BlobBackend::Local);
        }
        let settings =
            store::S3Settings::from_url(&self.blob_store).map_err(|error| ConfigError::Value {
                name: "blob_store".to_owned(),
                message: error.to_string(),
            })?;
        let given = |value: &str| (!value.is_empty()).then(|| value.to_owned());
        let settings = store::S3Settings {
            endpoint: given(&self.s3_endpoint),
            region: given(&self.s3_region),
            access_key_id: given(&self.s3_access_key_id),
            secret_access_key: given(&self.s3_secret_access_key),
            allow_http: self.s3_allow_http,
            ..settings
        };
        Ok(store::BlobBackend::S3(settings.with_aws_env(aws_env)))
    }

    /// The environment variable that sets `field`.
    pub fn env_name(field: &str) -> String {
        format!("SOCLE_{}", field.to_ascii_uppercase())
    }

    /// Overrides the settings named by `SOCLE_*` variables among `vars` (other variables are
    /// ignored). Numbers and booleans are parsed; lists are comma-separated.
    pub fn apply_env(
        self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut overrides = Vec::new();
        for (name, value) in vars {
            let Some(field) = Config::FIELDS
                .iter()
                .find(|field| Config::env_name(field) == name)
            else {
                continue;
            };
            overrides.push((*field, value, name));
        }
        let mut config = self;
        for (field, value, name) in overrides {
            config = config
                .set(field, &value)
                .map_err(|error| ConfigError::Env {
                    name,
                    message: match error {
                        ConfigError::Value { message, .. } => message,
                        other => other.to_string(),
                    },
                })?;
        }
        Ok(config)
    }

    /// Sets one field from text, as typed on a command line or in an environment variable.
    pub fn set(self, field: &str, text: &str) -> Result<Config, ConfigError> {
        let error = |message: String| ConfigError::Value {
            name: field.to_owned(),
            message,
        };
        let mut table = toml::Table::try_from(&self).map_err(|e| error(e.to_string()))?;
        let current = table
            .get(field)
            .ok_or_else(|| error("réglage inconnu".to_owned()))?;
        let value = match current {
            toml::Value::Integer(_) => toml::Value::Integer(
                text.trim()
                    .parse()
                    .map_err(|_| error(format!("nombre entier attendu, pas « {text} »")))?,
            ),
            toml::Value::Boolean(_) => toml::Value::Boolean(
                parse_bool(text)
                    .ok_or_else(|| error(format!("true ou false attendu, pas « {text} »")))?,
            ),
            toml::Value::Array(_) => toml::Value::Array(
                text.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| toml::Value::String(item.to_owned()))
                    .collect(),
            ),
            _ => toml::Value::String(text.to_owned()),
        };
        table.insert(field.to_owned(), value);
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| error(e.message().to_owned()))
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "oui" | "on" => Some(true),
        "false" | "0" | "no" | "non" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_lists_every_key() {
        let table = toml::Table::try_from(Config::default()).unwrap();
        let mut keys: Vec<&str> = table.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut fields = Config::FIELDS.to_vec();
        fields.sort_unstable();
        assert_eq!(keys, fields);
    }

    #[test]
    fn file_then_env_precedence() {
        let file = Config::from_toml("listen = \"0.0.0.0:9000\"\nmax_upload_bytes = 10\n").unwrap();
        assert_eq!(file.listen.port(), 9000);
        assert_eq!(file.max_upload_bytes, 10);
        assert_eq!(
            file.request_timeout_secs, 30,
            "missing keys keep their default"
        );
        let env = [
            ("SOCLE_MAX_UPLOAD_BYTES".to_owned(), "20".to_owned()),
            (
                "SOCLE_CORS_ALLOWED_ORIGINS".to_owned(),
                "https://a.fr, https://b.fr".to_owned(),
            ),
            ("SOCLE_TRUST_FORWARDED_FOR".to_owned(), "oui".to_owned()),
            ("HOME".to_owned(), "/root".to_owned()),
        ];
        let merged = file.apply_env(env).unwrap();
        assert_eq!(merged.listen.port(), 9000);
        assert_eq!(merged.max_upload_bytes, 20);
        assert_eq!(
            merged.cors_allowed_origins,
            ["https://a.fr", "https://b.fr"]
        );
        assert!(merged.trust_forwarded_for);
    }

    #[test]
    fn blob_fields_are_the_blob_settings() {
        assert_eq!(
            Config::BLOB_FIELDS,
            [
                "blob_store",
                "s3_endpoint",
                "s3_region",
                "s3_access_key_id",
                "s3_secret_access_key",
                "s3_allow_http"
            ]
        );
    }

    #[test]
    fn blob_store_settings_then_aws_variables() {
        assert_eq!(
            Config::default().blob_backend([]).unwrap(),
            store::BlobBackend::Local
        );
        let config = Config::default()
            .apply_env([
                (
                    "SOCLE_BLOB_STORE".to_owned(),
                    "s3://donnees/socle/prod/".to_owned(),
                ),
                ("SOCLE_S3_ACCESS_KEY_ID".to_owned(), "socle".to_owned()),
                ("SOCLE_S3_ALLOW_HTTP".to_owned(), "oui".to_owned()),
            ])
            .unwrap();
        let aws = [
            ("AWS_ACCESS_KEY_ID".to_owned(), "ignored".to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), "secret".to_owned()),
            ("AWS_REGION".to_owned(), "eu-west-3".to_owned()),
            (
                "AWS_ENDPOINT_URL".to_owned(),
                "http://127.0.0.1:9000".to_owned(),
            ),
        ];
        let store::BlobBackend::S3(settings) = config.blob_backend(aws).unwrap() else {
            panic!("an s3:// blob store");
        };
        assert_eq!(settings.bucket, "donnees");
        assert_eq!(settings.prefix, "socle/prod");
        assert_eq!(
            settings.access_key_id.as_deref(),
            Some("socle"),
            "settings win"
        );
        assert_eq!(settings.secret_access_key.as_deref(), Some("secret"));
        assert_eq!(settings.region.as_deref(), Some("eu-west-3"));
        assert_eq!(settings.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(settings.allow_http);
        assert!(
            !format!("{settings:?}").contains("secret"),
            "secrets stay out of logs"
        );
        let error = Config::default()
            .set("blob_store", "ftp://ailleurs")
            .unwrap()
            .blob_backend([])
            .unwrap_err();
        assert!(error.to_string().contains("blob_store"), "{error}");
    }

    #[test]
    fn bad_values_are_named() {
        let error = Config::default()
            .apply_env([("SOCLE_REQUEST_TIMEOUT_SECS".to_owned(), "vite".to_owned())])
            .unwrap_err()
            .to_string();
        assert!(error.contains("SOCLE_REQUEST_TIMEOUT_SECS"), "{error}");
        assert!(error.contains("vite"), "{error}");
        let error = Config::default()
            .set("listen", "pas une adresse")
            .unwrap_err();
        assert!(error.to_string().contains("listen"), "{error}");
        assert!(Config::from_toml("inconnu = 1").is_err());
        let error = Config::default()
            .set("cookie_secure", "parfois")
            .unwrap_err();
        assert!(error.to_string().contains("cookie_secure"), "{error}");
        assert_eq!(
            Config::default()
                .set("cookie_secure", "always")
                .unwrap()
                .cookie_secure,
            CookieSecure::Always
        );
    }
}

//! `socle serve`: the HTTP server; `socle token`: API tokens for it.
//!
//! The settings come from three places, later ones winning: the `--config` TOML file, the
//! `SOCLE_*` environment variables, then the flags (see docs/configuration.md).

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use server::{AppState, Config};

use super::Outcome;
use super::admin::{blob_store_flag, database_url, open, open_with};
use crate::cli::{ServeArgs, TokenCommand};

pub fn run(data: Option<&Path>, args: &ServeArgs) -> anyhow::Result<Outcome> {
    let config = settings(data, args, std::env::vars())?;
    init_logging(&config.log);
    let database = if config.database_url.is_empty() {
        None
    } else {
        Some(
            config
                .database_url
                .parse()
                .map_err(|error| anyhow::anyhow!("réglage « database_url » : {error}"))?,
        )
    };
    let blobs = config.blob_backend(std::env::vars())?;
    let catalogue = open_with(&config.data, database, blobs)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("démarrage du moteur asynchrone")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("écoute sur {}", config.listen))?;
        let address = listener.local_addr().context("adresse d'écoute")?;
        tracing::info!(%address, data = %config.data.display(), "listening");
        eprintln!("Socle écoute sur http://{address} (Ctrl-C pour arrêter)");
        let state = AppState::new(catalogue, config);
        server::serve(listener, state, server::shutdown_signal())
            .await
            .context("serveur HTTP")
    })?;
    eprintln!("Serveur arrêté.");
    Ok(Outcome::Success)
}

/// File, then environment, then flags.
fn settings(
    data: Option<&Path>,
    args: &ServeArgs,
    env: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("lecture du fichier de configuration « {} »", path.display())
            })?;
            Config::from_toml(&text).with_context(|| format!("« {} »", path.display()))?
        }
        None => Config::default(),
    };
    config = config.apply_env(env)?;
    // `--data` (or `SOCLE_DATA`, which clap reads for it) is a global flag.
    if let Some(data) = data {
        config.data = data.to_path_buf();
    }
    // `--database-url` (or `SOCLE_DATABASE_URL`, which clap reads for it) is a global flag.
    if let Some(url) = database_url() {
        config.database_url = match url {
            store::DatabaseUrl::Sqlite(path) => format!("sqlite:{}", path.display()),
            store::DatabaseUrl::Postgres(url) => url,
        };
    }
    // `--blob-store` (or `SOCLE_BLOB_STORE`, which clap reads for it) is a global flag.
    if let Some(url) = blob_store_flag() {
        config.blob_store = url;
    }
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    Ok(config)
}

/// One line per event on standard error; `RUST_LOG` wins over the `log` setting.
fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(filter))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

pub fn token(data: &Path, command: &TokenCommand) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    match command {
        TokenCommand::Create {
            user,
            expires,
            label,
        } => {
            let user = catalogue.user_by_email(user)?;
            let expires_at = expires.map(server::tokens::expiry_after_days).transpose()?;
            let (secret, token) =
                server::tokens::create(catalogue.store(), &user, label, expires_at)?;
            let until = token.expires_at.map_or_else(
                || "sans expiration".to_owned(),
                |at| format!("jusqu'au {at}"),
            );
            eprintln!(
                "Jeton {} créé pour « {} » ({until}). Conservez-le : il ne sera plus affiché.",
                token.id, user.email
            );
            println!("{secret}");
        }
        TokenCommand::List { user } => {
            let user = catalogue.user_by_email(user)?;
            for token in catalogue.store().api_tokens_of_user(user.id)? {
                let until = token
                    .expires_at
                    .map_or_else(|| "sans expiration".to_owned(), |at| at.to_string());
                println!(
                    "{}  créé {}  expire : {until}  {}",
                    token.id, token.created_at, token.label
                );
            }
        }
        TokenCommand::Revoke { id } => {
            catalogue.store().delete_api_token(model::ApiTokenId(*id))?;
            println!("Jeton {id} révoqué.");
        }
    }
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn flags_win_over_environment_which_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("socle.toml");
        std::fs::write(
            &file,
            "data = \"depuis-fichier\"\nlisten = \"127.0.0.1:9001\"\nrequest_timeout_secs = 5\nlog = \"debug\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            listen: Some("127.0.0.1:9003".parse().unwrap()),
            config: Some(file),
        };
        let env = [
            ("SOCLE_LISTEN".to_owned(), "127.0.0.1:9002".to_owned()),
            ("SOCLE_REQUEST_TIMEOUT_SECS".to_owned(), "7".to_owned()),
        ];
        let config = settings(Some(Path::new("depuis-option")), &args, env.clone()).unwrap();
        assert_eq!(config.listen.port(), 9003, "flag");
        assert_eq!(config.request_timeout_secs, 7, "environment");
        assert_eq!(config.log, "debug", "file");
        assert_eq!(config.data, PathBuf::from("depuis-option"));
        let without_flags = ServeArgs {
            listen: None,
            config: args.config.clone(),
        };
        let config = settings(None, &without_flags, env).unwrap();
        assert_eq!(config.listen.port(), 9002);
        assert_eq!(config.data, PathBuf::from("depuis-fichier"));
    }

    #[test]
    fn unreadable_settings_say_where() {
        let args = ServeArgs {
            listen: None,
            config: Some(PathBuf::from("/nulle/part.toml")),
        };
        let error = settings(None, &args, []).unwrap_err();
        assert!(
            format!("{error:#}").contains("/nulle/part.toml"),
            "{error:#}"
        );
        let args = ServeArgs {
            listen: None,
            config: None,
        };
        let error = settings(
            None,
            &args,
            [("SOCLE_MAX_UPLOAD_BYTES".to_owned(), "beaucoup".to_owned())],
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("SOCLE_MAX_UPLOAD_BYTES"),
            "{error}"
        );
    }
}

//! `socle init`, `org`, `user`, `dataset`, `history`, `check`: the catalogue from the command line.
//!
//! The command line acts as the operator (instance administrator): whoever can run it on the
//! machine holds the data directory anyway.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::Context;
use catalogue::{Actor, Catalogue};
use model::{
    DatasetState, Frequency, Licence, NewDataset, NewOrganisation, NewUser, OrganisationKind, Role,
    Siren, Slug, TerritoryCode,
};
use server::Config;
use store::{BlobBackend, DatabaseUrl, DatasetFilter, Store, StoreOptions};

use super::Outcome;
use crate::cli::{
    DatasetCommand, DatasetCreateArgs, HistoryArgs, OrgAddArgs, OrgCommand, ReportFormat,
    UserCommand,
};

/// The `--database-url` of this run (`None`: SQLite in the data directory), set once by
/// [`use_database`] before any command opens the store.
static DATABASE_URL: OnceLock<Option<DatabaseUrl>> = OnceLock::new();

/// Records the `--database-url` flag (or `SOCLE_DATABASE_URL`), checking its syntax at once.
pub fn use_database(url: Option<&str>) -> anyhow::Result<()> {
    let parsed = url
        .map(|url| url.parse::<DatabaseUrl>())
        .transpose()
        .map_err(|error| anyhow::anyhow!("--database-url : {error}"))?;
    let _ = DATABASE_URL.set(parsed);
    Ok(())
}

/// The database named by `--database-url`, if any.
pub fn database_url() -> Option<DatabaseUrl> {
    DATABASE_URL.get().cloned().flatten()
}

/// The `--blob-store` flag of this run (or `SOCLE_BLOB_STORE`), set once by [`use_blob_store`].
static BLOB_STORE: OnceLock<Option<String>> = OnceLock::new();

/// Records the `--blob-store` flag (or `SOCLE_BLOB_STORE`).
pub fn use_blob_store(url: Option<&str>) {
    let _ = BLOB_STORE.set(url.map(str::to_owned));
}

/// The blob store named by `--blob-store`, if any.
pub fn blob_store_flag() -> Option<String> {
    BLOB_STORE.get().cloned().flatten()
}

/// Where the blobs live for commands other than `serve`: `--blob-store`, with the `SOCLE_S3_*`
/// variables, then the standard `AWS_*` ones, as `socle serve` reads them.
fn blob_backend() -> anyhow::Result<BlobBackend> {
    let blob_vars = std::env::vars().filter(|(name, _)| {
        Config::BLOB_FIELDS
            .iter()
            .any(|field| Config::env_name(field) == *name)
    });
    let mut config = Config::default().apply_env(blob_vars)?;
    if let Some(url) = blob_store_flag() {
        config.blob_store = url;
    }
    Ok(config.blob_backend(std::env::vars())?)
}

/// Opens the data directory (creating it on first use), the database and the blob store.
pub fn open(data: &Path) -> anyhow::Result<Catalogue> {
    open_with(data, database_url(), blob_backend()?)
}

/// Opens the data directory with an explicit database (`None`: SQLite in the directory) and
/// blob store.
pub fn open_with(
    data: &Path,
    database_url: Option<DatabaseUrl>,
    blobs: BlobBackend,
) -> anyhow::Result<Catalogue> {
    let mut where_ = database_url
        .as_ref()
        .map_or_else(String::new, |url| format!(", base {url}"));
    if let BlobBackend::S3(settings) = &blobs {
        where_.push_str(&format!(
            ", fichiers dans s3://{}/{}",
            settings.bucket, settings.prefix
        ));
    }
    let options = StoreOptions {
        database_url,
        blobs,
        ..StoreOptions::default()
    };
    Store::open_with(data, options)
        .map(Catalogue::new)
        .map_err(|error| {
            anyhow::anyhow!(
                "dossier des données « {} »{where_} : {error}",
                data.display()
            )
        })
}

/// `socle migrate`: opening the store applies the missing migrations; says where it stands.
pub fn migrate(data: &Path) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    let (engine, version) = catalogue.store().schema_version()?;
    let location = database_url().map_or_else(
        || data.join("socle.db").display().to_string(),
        |url| url.to_string(),
    );
    println!("Base {engine} ({location}) : schéma à jour, version {version}.");
    Ok(Outcome::Success)
}

pub fn init(data: &Path) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    let counts = catalogue.import_referentials(&Actor::Operator)?;
    println!(
        "Dossier des données prêt : {}\nRéférentiels importés : {} communes, {} EPCI, {} départements, {} régions.",
        data.display(),
        counts.communes,
        counts.epci,
        counts.departements,
        counts.regions
    );
    Ok(Outcome::Success)
}

pub fn org(data: &Path, command: &OrgCommand) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    match command {
        OrgCommand::Add(args) => {
            let organisation =
                catalogue.add_organisation(&Actor::Operator, &new_organisation(args)?)?;
            println!(
                "Organisation ajoutée : {} (SIREN {})",
                organisation.name, organisation.siren
            );
        }
        OrgCommand::List => {
            for organisation in catalogue.store().list_organisations()? {
                let territory = organisation
                    .territory
                    .map(|code| code.to_string())
                    .unwrap_or_default();
                println!(
                    "{}  {:14}  {:24}  {}",
                    organisation.siren,
                    organisation.kind.as_str(),
                    territory,
                    organisation.name
                );
            }
        }
        OrgCommand::Show { siren } => {
            let organisation = catalogue.organisation_by_siren(&parse_siren(siren)?)?;
            println!(
                "{}\nSIREN : {}\nType : {}",
                organisation.name,
                organisation.siren,
                organisation.kind.label()
            );
            if let Some(territory) = &organisation.territory {
                println!("Territoire : {territory}");
            }
            if let Some(email) = &organisation.contact_email {
                println!("Contact : {email}");
            }
            let filter = DatasetFilter {
                organisation: Some(organisation.id),
                state: None,
            };
            for dataset in catalogue.datasets(&filter)? {
                let role = if dataset.producer == organisation.id {
                    "produit"
                } else {
                    "publie pour un tiers"
                };
                println!("  - {} « {} » ({role})", dataset.slug, dataset.title);
            }
        }
    }
    Ok(Outcome::Success)
}

fn new_organisation(args: &OrgAddArgs) -> anyhow::Result<NewOrganisation> {
    Ok(NewOrganisation {
        siren: parse_siren(&args.siren)?,
        name: args.name.clone(),
        kind: OrganisationKind::parse(&args.kind).map_err(|error| anyhow::anyhow!("{error}"))?,
        territory: args.territory.as_deref().map(parse_territory).transpose()?,
        contact_email: args.email.clone(),
        logo_url: None,
    })
}

pub fn user(data: &Path, command: &UserCommand) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    match command {
        UserCommand::Add { email, name, admin } => {
            let new = NewUser {
                email: email.clone(),
                display_name: name.clone().unwrap_or_else(|| email.clone()),
                password_hash: None,
                is_admin: *admin,
            };
            let user = catalogue.add_user(&Actor::Operator, &new)?;
            println!(
                "Compte créé : {}{}",
                user.email,
                if user.is_admin {
                    " (administrateur de l'instance)"
                } else {
                    ""
                }
            );
        }
        UserCommand::Grant { email, org, role } => {
            let user = catalogue.user_by_email(email)?;
            let organisation = catalogue.organisation_by_siren(&parse_siren(org)?)?;
            let role = match role.as_str() {
                "none" | "aucun" => None,
                other => Some(Role::parse(other).map_err(|error| anyhow::anyhow!("{error}"))?),
            };
            catalogue.grant(&Actor::Operator, &user, &organisation, role)?;
            match role {
                Some(role) => println!(
                    "{} est désormais {} de {}",
                    user.email,
                    role.as_str(),
                    organisation.name
                ),
                None => println!("{} n'a plus de rôle dans {}", user.email, organisation.name),
            }
        }
        UserCommand::Passwd { email } => {
            let user = catalogue.user_by_email(email)?;
            let password = read_new_password()?;
            catalogue.reset_password(&Actor::Operator, &user, &password)?;
            println!(
                "Mot de passe de {} enregistré ; ses sessions ouvertes sont fermées.",
                user.email
            );
        }
    }
    Ok(Outcome::Success)
}

/// The new password: asked twice without echo on a terminal, else the first line of standard
/// input (scripts: `echo "$PASS" | socle user passwd EMAIL`).
fn read_new_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Nouveau mot de passe : ")?;
        let second = rpassword::prompt_password("Confirmez le mot de passe : ")?;
        if first != second {
            anyhow::bail!("les deux saisies diffèrent : mot de passe inchangé");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        anyhow::bail!("aucun mot de passe lu sur l'entrée standard");
    }
    Ok(password.to_owned())
}

pub fn dataset(data: &Path, command: &DatasetCommand) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    match command {
        DatasetCommand::Create(args) => {
            let new = new_dataset(&catalogue, args)?;
            let dataset = catalogue.create_dataset(&Actor::Operator, &new)?;
            println!(
                "Jeu de données créé : {} « {} »",
                dataset.slug, dataset.title
            );
        }
        DatasetCommand::List { org } => {
            let organisation = match org {
                Some(siren) => Some(catalogue.organisation_by_siren(&parse_siren(siren)?)?.id),
                None => None,
            };
            for dataset in catalogue.datasets(&DatasetFilter {
                organisation,
                state: None,
            })? {
                println!(
                    "{:32}  {:10}  {}",
                    dataset.slug.to_string(),
                    dataset.state.as_str(),
                    dataset.title
                );
            }
        }
        DatasetCommand::Show { slug } => show_dataset(&catalogue, slug)?,
    }
    Ok(Outcome::Success)
}

fn show_dataset(catalogue: &Catalogue, slug: &str) -> anyhow::Result<()> {
    let dataset = catalogue.dataset_by_slug(&parse_slug(slug)?)?;
    let store = catalogue.store();
    let name_of = |id| {
        store
            .organisation(id)
            .ok()
            .flatten()
            .map(|org| org.name)
            .unwrap_or_default()
    };
    println!(
        "{}\nIdentifiant : {}\nÉtat : {}\nLicence : {}",
        dataset.title,
        dataset.slug,
        dataset.state.as_str(),
        dataset.licence.label()
    );
    println!(
        "Producteur : {}\nPublié par : {}",
        name_of(dataset.producer),
        name_of(dataset.publisher)
    );
    for resource in store.resources_of_dataset(dataset.id)? {
        let schema = resource
            .schema
            .as_ref()
            .map(|schema| format!("{}@{}", schema.name, schema.version))
            .unwrap_or_else(|| "sans schéma".to_owned());
        let live = match store.live_version(resource.id)? {
            Some(version) => format!(
                "version {} en ligne, {} lignes, {}",
                version.id,
                version.row_count.unwrap_or(0),
                if version.conformant {
                    "conforme"
                } else {
                    "non conforme"
                }
            ),
            None => "aucune version en ligne".to_owned(),
        };
        println!(
            "  Ressource {} « {} » ({schema}) : {live}",
            resource.id, resource.title
        );
    }
    Ok(())
}

fn new_dataset(catalogue: &Catalogue, args: &DatasetCreateArgs) -> anyhow::Result<NewDataset> {
    let publisher = catalogue.organisation_by_siren(&parse_siren(&args.org)?)?;
    let producer = match &args.producer {
        Some(siren) => catalogue.organisation_by_siren(&parse_siren(siren)?)?,
        None => publisher.clone(),
    };
    Ok(NewDataset {
        slug: parse_slug(&args.slug)?,
        title: args.title.clone(),
        description: args.description.clone(),
        licence: Licence::parse(&args.licence).map_err(|error| {
            anyhow::anyhow!("{error} (la loi n'autorise que etalab-2.0 ou odbl-1.0)")
        })?,
        themes: args.themes.clone(),
        keywords: args.keywords.clone(),
        frequency: args
            .frequency
            .as_deref()
            .map(Frequency::parse)
            .transpose()
            .map_err(|error| anyhow::anyhow!("{error}"))?,
        temporal_start: None,
        temporal_end: None,
        spatial: args.territory.as_deref().map(parse_territory).transpose()?,
        producer: producer.id,
        publisher: publisher.id,
        state: if args.draft {
            DatasetState::Draft
        } else {
            DatasetState::Published
        },
        remote_id: None,
        source_url: None,
    })
}

pub fn history(data: &Path, args: &HistoryArgs) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    let versions = catalogue.history(model::ResourceId(args.resource))?;
    if args.format == ReportFormat::Json {
        let list: Vec<_> = versions
            .iter()
            .map(|version| {
                serde_json::json!({
                    "id": version.id.0,
                    "status": version.status.as_str(),
                    "sha256": version.sha256.to_hex(),
                    "size": version.size,
                    "filename": version.filename,
                    "origin": version.origin.as_str(),
                    "receivedAt": version.received_at.to_string(),
                    "rowCount": version.row_count,
                    "conformant": version.conformant,
                    "liveFrom": version.live_from.map(|at| at.to_string()),
                    "liveUntil": version.live_until.map(|at| at.to_string()),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(Outcome::Success);
    }
    if versions.is_empty() {
        println!("Aucune version.");
    }
    for version in versions {
        let live = match (version.live_from, version.live_until) {
            (Some(from), Some(until)) => format!("en ligne du {from} au {until}"),
            (Some(from), None) => format!("en ligne depuis le {from}"),
            _ => "jamais en ligne".to_owned(),
        };
        println!(
            "version {:>4}  {:10}  {:>8} lignes  {}  reçue le {} ({})  {}",
            version.id,
            version.status.as_str(),
            version.row_count.unwrap_or(0),
            if version.conformant {
                "conforme    "
            } else {
                "non conforme"
            },
            version.received_at,
            version.origin.as_str(),
            live
        );
    }
    Ok(Outcome::Success)
}

pub fn check(data: &Path) -> anyhow::Result<Outcome> {
    // Checking must not create an empty SQLite store; a named database is opened as it is.
    if database_url().is_none() && !data.join("socle.db").exists() {
        anyhow::bail!(
            "aucun dossier des données dans « {} » : lancer `socle init` d'abord",
            data.display()
        );
    }
    let catalogue = open(data)?;
    let problems = catalogue.store().check()?;
    if problems.is_empty() {
        println!("Stockage intègre : tables, versions et fichiers originaux concordent.");
        return Ok(Outcome::Success);
    }
    for problem in &problems {
        println!("- {}", problem.message);
    }
    println!("{} problème(s) trouvé(s).", problems.len());
    Ok(Outcome::Invalid)
}

pub fn parse_siren(text: &str) -> anyhow::Result<Siren> {
    Siren::parse(text).map_err(|error| anyhow::anyhow!("{error}"))
}

pub fn parse_slug(text: &str) -> anyhow::Result<Slug> {
    Slug::parse(text).map_err(|error| anyhow::anyhow!("{error}"))
}

fn parse_territory(text: &str) -> anyhow::Result<TerritoryCode> {
    TerritoryCode::parse(text)
        .map_err(|error| anyhow::anyhow!("{error}"))
        .context("territoire")
}

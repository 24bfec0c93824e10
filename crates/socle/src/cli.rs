//! The command-line grammar. Each subcommand's doc comment is its `--help` text and is
//! reproduced in `docs/cli.md` (a test checks that every subcommand is documented there).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Socle : publier et valider les données ouvertes des collectivités (SCDL).
#[derive(Debug, Parser)]
#[command(name = "socle", version, about, long_about = None)]
pub struct Cli {
    /// Dossier des données (base SQLite et fichiers déposés), `socle-data` par défaut.
    /// Variable d'environnement : `SOCLE_DATA`.
    #[arg(long, global = true, env = "SOCLE_DATA")]
    pub data: Option<PathBuf>,
    /// Base de données : un chemin ou `sqlite:chemin` (SQLite), ou `postgres://…` (PostgreSQL) ;
    /// par défaut `socle.db` dans le dossier des données. Variable d'environnement :
    /// `SOCLE_DATABASE_URL`.
    #[arg(long, global = true, env = "SOCLE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Stockage des fichiers d'origine : `s3://seau/préfixe` pour un stockage objet compatible S3
    /// (réglages `SOCLE_S3_*` ou `AWS_*`) ; par défaut `blobs/` dans le dossier des données.
    /// Variable d'environnement : `SOCLE_BLOB_STORE`.
    #[arg(long, global = true, env = "SOCLE_BLOB_STORE")]
    pub blob_store: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// The data directory when neither `--data` nor `SOCLE_DATA` names one.
pub const DEFAULT_DATA_DIR: &str = "socle-data";

impl Cli {
    /// The data directory: `--data`, else `SOCLE_DATA`, else `socle-data`.
    pub fn data_dir(&self) -> PathBuf {
        self.data
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Valide un fichier (CSV, XLSX, ODS, CSV.GZ) contre un schéma de données (Table Schema).
    Validate(ValidateArgs),
    /// Liste les schémas embarqués (SCDL et schémas associés), avec leur version et leur provenance.
    Schemas(SchemasArgs),
    /// Crée le dossier des données et importe les référentiels (communes, EPCI, départements, régions).
    Init,
    /// Gère les organisations (collectivités, EPCI, syndicats…).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Gère les comptes et leurs rôles dans les organisations.
    #[command(subcommand)]
    User(UserCommand),
    /// Gère les jeux de données.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Publie un fichier comme nouvelle version d'une ressource : validation, conservation du
    /// fichier original, chargement des lignes.
    Publish(PublishArgs),
    /// Historique des versions d'une ressource, avec leur statut et leur période de mise en ligne.
    History(HistoryArgs),
    /// Crée un dossier de démonstration : organisations réelles d'Occitanie et jeux SCDL générés.
    Demo,
    /// Vérifie l'intégrité du stockage (tables, versions, fichiers originaux).
    Check,
    /// Crée ou met à jour le schéma de la base de données (migrations versionnées) et affiche
    /// sa version.
    Migrate,
    /// Lance le serveur HTTP (API JSON `/api/v1`, `/healthz`, `/readyz`) jusqu'à Ctrl-C ou SIGTERM.
    Serve(ServeArgs),
    /// Gère les jetons d'API (authentification `Authorization: Bearer`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Exporte toute l'instance (catalogue, versions, fichiers d'origine, référentiels) dans un
    /// dossier neuf, pour l'importer dans une autre base (SQLite ou PostgreSQL).
    Export(MoveArgs),
    /// Importe dans une instance vide un dossier écrit par `socle export` : lignes avec leurs
    /// identifiants d'origine, fichiers d'origine vérifiés, tables des versions rechargées et index.
    Import(MoveArgs),
}

#[derive(Debug, clap::Args)]
pub struct MoveArgs {
    /// Dossier de l'export (neuf ou vide pour `export`).
    pub dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Adresse et port d'écoute (par défaut `127.0.0.1:8080`). Variable d'environnement :
    /// `SOCLE_LISTEN`.
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// Fichier de configuration TOML (voir `config.example.toml`) ; les variables `SOCLE_*`
    /// puis les options l'emportent sur lui. Variable d'environnement : `SOCLE_CONFIG`.
    #[arg(long, env = "SOCLE_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Crée un jeton d'API pour un compte et l'affiche (une seule fois : seule son empreinte est gardée).
    Create {
        /// Adresse électronique du compte.
        #[arg(long)]
        user: String,
        /// Validité en jours (par défaut : sans expiration).
        #[arg(long)]
        expires: Option<u32>,
        /// À quoi sert le jeton (affiché dans les listes).
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Liste les jetons d'un compte (sans leur secret).
    List {
        /// Adresse électronique du compte.
        #[arg(long)]
        user: String,
    },
    /// Révoque un jeton.
    Revoke {
        /// Identifiant du jeton (voir `socle token list`).
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Ajoute une organisation.
    Add(OrgAddArgs),
    /// Liste les organisations.
    List,
    /// Montre une organisation et ses jeux de données.
    Show {
        /// SIREN de l'organisation.
        siren: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct OrgAddArgs {
    /// SIREN (9 chiffres, clé de Luhn vérifiée).
    #[arg(long)]
    pub siren: String,
    /// Nom officiel.
    #[arg(long)]
    pub name: String,
    /// Type : commune, epci, departement, region, etat, syndicat-mixte, autre.
    #[arg(long)]
    pub kind: String,
    /// Territoire : `commune:<code INSEE>`, `epci:<SIREN>`, `departement:<code>`, `region:<code>`.
    #[arg(long)]
    pub territory: Option<String>,
    /// Adresse électronique de contact.
    #[arg(long)]
    pub email: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Crée un compte.
    Add {
        /// Adresse électronique (identifiant du compte).
        email: String,
        /// Nom affiché.
        #[arg(long)]
        name: Option<String>,
        /// Administrateur de toute l'instance.
        #[arg(long)]
        admin: bool,
    },
    /// Donne (ou retire) un rôle à un compte dans une organisation.
    Grant {
        /// Adresse électronique du compte.
        email: String,
        /// SIREN de l'organisation.
        #[arg(long)]
        org: String,
        /// Rôle : `admin`, `editor`, ou `none` pour le retirer.
        #[arg(long)]
        role: String,
    },
    /// Définit le mot de passe d'un compte (lu sur l'entrée standard, ou demandé deux fois
    /// sans écho dans un terminal) ; ferme toutes ses sessions ouvertes.
    Passwd {
        /// Adresse électronique du compte.
        email: String,
    },
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // Parsed once per run: size does not matter.
pub enum DatasetCommand {
    /// Crée un jeu de données.
    Create(DatasetCreateArgs),
    /// Liste les jeux de données.
    List {
        /// Seulement ceux que produit ou publie cette organisation (SIREN).
        #[arg(long)]
        org: Option<String>,
    },
    /// Montre un jeu de données, ses ressources et leur version en ligne.
    Show {
        /// Identifiant (slug) du jeu de données.
        slug: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct DatasetCreateArgs {
    /// Identifiant dans les adresses (minuscules, chiffres, tirets).
    pub slug: String,
    /// Titre.
    #[arg(long)]
    pub title: String,
    /// SIREN de l'organisation qui publie.
    #[arg(long)]
    pub org: String,
    /// SIREN du producteur, quand l'organisation publie pour le compte d'une autre.
    #[arg(long)]
    pub producer: Option<String>,
    /// Description (Markdown).
    #[arg(long, default_value = "")]
    pub description: String,
    /// Licence : `etalab-2.0` (Licence Ouverte 2.0, par défaut) ou `odbl-1.0`.
    #[arg(long, default_value = "etalab-2.0")]
    pub licence: String,
    /// Fréquence de mise à jour (vocabulaire européen : `MONTHLY`, `ANNUAL`…).
    #[arg(long)]
    pub frequency: Option<String>,
    /// Thème (répétable).
    #[arg(long = "theme")]
    pub themes: Vec<String>,
    /// Mot-clé (répétable).
    #[arg(long = "keyword")]
    pub keywords: Vec<String>,
    /// Couverture spatiale : `commune:<code INSEE>`, `epci:<SIREN>`…
    #[arg(long)]
    pub territory: Option<String>,
    /// Crée le jeu en brouillon (non publié).
    #[arg(long)]
    pub draft: bool,
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// Le fichier à publier (CSV, CSV.GZ, XLSX, ODS).
    pub file: PathBuf,
    /// Jeu de données (slug).
    #[arg(long)]
    pub dataset: String,
    /// Ressource (identifiant) ; par défaut la seule ressource du jeu, créée au premier dépôt.
    #[arg(long)]
    pub resource: Option<i64>,
    /// Schéma de la ressource créée au premier dépôt (`scdl-menus-collectifs@1.2.3`).
    #[arg(long)]
    pub schema: Option<String>,
    /// Publie même un fichier non conforme (avec son rapport) pour la ressource créée.
    #[arg(long)]
    pub lenient: bool,
    /// Rend la main dès que les lignes sont interrogeables, sans attendre la construction des
    /// index (`socle serve` ou la publication suivante la terminent).
    #[arg(long)]
    pub no_wait_indexes: bool,
    /// Format du rapport.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Identifiant de la ressource.
    pub resource: i64,
    /// Format de la liste.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Le fichier à valider.
    pub file: PathBuf,
    /// Schéma : nom d'un schéma embarqué (`scdl-subventions`, `scdl-subventions@2.1.1`),
    /// chemin d'un fichier `schema.json`, ou `auto` pour choisir le schéma embarqué qui
    /// correspond le mieux aux en-têtes du fichier.
    #[arg(long, short = 's')]
    pub schema: String,
    /// Format du rapport.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Langue du rapport.
    #[arg(long, value_enum, default_value_t = Lang::Fr)]
    pub lang: Lang,
    /// Nombre maximal d'erreurs rapportées (par défaut : toutes).
    #[arg(long)]
    pub max_errors: Option<usize>,
    /// Rapprochement des colonnes avec les champs du schéma : `exact` (par position, comme
    /// Frictionless), ou par nom (`equal`, `subset`, `superset`, `partial`, comme le
    /// `fieldsMatch` de Table Schema v2). Par défaut : celui du schéma, sinon `exact`.
    #[arg(long, value_enum)]
    pub fields_match: Option<FieldsMatch>,
    /// Feuille à lire dans un classeur XLSX ou ODS (par défaut : la première).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Encodage du fichier (par défaut : détecté). Ex. : `utf-8`, `windows-1252`, `iso-8859-15`.
    #[arg(long)]
    pub encoding: Option<String>,
    /// Séparateur de colonnes d'un CSV (par défaut : détecté parmi `,` `;` tabulation `|`).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// Nombre de fils d'exécution (par défaut : tous les cœurs).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct SchemasArgs {
    /// Format de la liste.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Texte lisible.
    Human,
    /// JSON pour les machines.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Fr,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FieldsMatch {
    Exact,
    Equal,
    Subset,
    Superset,
    Partial,
}

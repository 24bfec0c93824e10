//! The command-line grammar. Each subcommand's doc comment is its `--help` text and is
//! reproduced in `docs/cli.md` (a test checks that every subcommand is documented there).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Socle : publier et valider les données ouvertes des collectivités (SCDL).
#[derive(Debug, Parser)]
#[command(name = "socle", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Valide un fichier (CSV, XLSX, ODS, CSV.GZ) contre un schéma de données (Table Schema).
    Validate(ValidateArgs),
    /// Liste les schémas embarqués (SCDL et schémas associés), avec leur version et leur provenance.
    Schemas(SchemasArgs),
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

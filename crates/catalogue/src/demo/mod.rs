//! Demo data: real Occitanie organisations and realistic generated SCDL files.
//!
//! `socle demo` fills a fresh data directory with these so that a newcomer sees a living portal
//! in one command. Everything here is pure and deterministic: [`organisations`] lists real
//! authorities with their true identifiers (checked against the shared referential in tests),
//! and [`datasets`] generates, for one organisation and a seed, CSV files that follow the
//! bundled SCDL schemas exactly (headers, enums, patterns, custom checks), plus one deliberately
//! imperfect file whose French validation report the demo shows.
//!
//! What each organisation publishes (`datasets`, seed 2026, small size):
//!
//! | organisation | menus | délibérations | subventions | équipements |
//! | --- | --- | --- | --- | --- |
//! | Région Occitanie | — | 60 | 100 (3,000 at [`DemoSize::Large`]) | 52 lycées, CFA... |
//! | Toulouse Métropole | — | 60 | 100 (2,000 at large size) | 40 in 10 member communes |
//! | communes | a month, 4–5 dishes × 2–3 schools a day | 36–60 | 45–100 | 12 + 1 per 5,000 inhabitants |
//! | Marvejols (smallest) | imperfect file (`expected_valid: false`) | 36 | — | 12 |
//!
//! The generated people, associations, streets and amounts are invented; the SIRETs are
//! well-formed (Luhn) but random, except the authorities' own SIRENs, which are real. All
//! expected-valid files pass validata-table 0.12.5 (frictionless 5.21 + SCDL custom checks)
//! against the bundled schemas; the imperfect one fails only on `menuDate` (JJ/MM/AAAA) and
//! `menuPlatPrix` (decimal comma).

mod calendar;
mod deliberations;
mod equipements;
mod load;
mod luhn;
mod menus;
mod organisations;
mod places;
mod random;
mod subventions;
mod table;

pub use load::{LoadedFile, SEED, load};
pub use luhn::is_luhn_valid;
pub use organisations::{
    DemoOrganisation, OrganisationKind, TOULOUSE_METROPOLE_SIREN, organisations,
};

/// One dataset to publish for an organisation: metadata plus the file, ready for the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDataset {
    /// Unique within the organisation: `menus-cantines-2026-11`, `subventions-2026`...
    pub slug: String,
    /// French title.
    pub title: String,
    /// French description, in Markdown.
    pub description: String,
    /// Name of the bundled schema the file follows (`catalogue::bundled::find` resolves it).
    pub schema: &'static str,
    /// EU data themes (DCAT-AP `data-theme` codes: `GOVE`, `EDUC`, `SOCI`...).
    pub themes: Vec<String>,
    /// Free French keywords.
    pub keywords: Vec<String>,
    /// EU frequency code (`MONTHLY`, `ANNUAL`, `IRREG`...).
    pub frequency: &'static str,
    /// File name as if uploaded by the organisation.
    pub file_name: String,
    /// The file's bytes: UTF-8 CSV, comma-separated, header line first.
    pub csv: Vec<u8>,
    /// False only for the deliberately imperfect file that demonstrates the validation report.
    pub expected_valid: bool,
}

/// How big the generated files are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoSize {
    /// A few hundred rows at most per file: fast to publish, enough to explore.
    #[default]
    Small,
    /// Adds volume where it is realistic: the Région's and the Métropole's grants grow to a few
    /// thousand rows (to show pagination, facets and consolidation on real-sized tables).
    Large,
}

/// The datasets of `org`, small size; the same seed always gives the same bytes.
pub fn datasets(org: &DemoOrganisation, seed: u64) -> Vec<DemoDataset> {
    datasets_sized(org, seed, DemoSize::Small)
}

/// The datasets of `org` at the given size.
pub fn datasets_sized(org: &DemoOrganisation, seed: u64, size: DemoSize) -> Vec<DemoDataset> {
    // Each generator draws from its own stream (seed + organisation + file), so files do not
    // change when another one is added or resized.
    let mut list = Vec::new();
    if org.kind == OrganisationKind::Commune {
        list.push(menus::dataset(org, seed));
    }
    list.push(deliberations::dataset(org, seed));
    if !is_smallest_commune(org) {
        list.push(subventions::dataset(org, seed, size));
    }
    list.push(equipements::dataset(org, seed));
    list
}

/// The smallest commune publishes less, as small communes do (and its menus are the imperfect file).
fn is_smallest_commune(org: &DemoOrganisation) -> bool {
    org.slug == menus::IMPERFECT_PUBLISHER
}

/// The seed-independent label of a generator's random stream.
fn stream(org: &DemoOrganisation, file: &str) -> String {
    format!("{}/{file}", org.slug)
}

#[cfg(test)]
mod tests;

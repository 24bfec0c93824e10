//! Datasets: the unit of publication (DCAT `dcat:Dataset`), holding resources.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::codes::code_enum;
use crate::{DatasetId, OrganisationId, Slug, TerritoryCode};

code_enum!(
    /// The licences a French public body may choose for open data (décret 2017-638).
    #[derive(Default)]
    Licence, "licence" {
        /// Licence Ouverte / Open Licence 2.0 (Etalab): the recommended default.
        #[default]
        EtalabV2 = "etalab-2.0",
        /// Open Database License 1.0: share-alike.
        Odbl = "odbl-1.0",
    }
);

impl Licence {
    /// The French name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Licence::EtalabV2 => "Licence Ouverte / Open Licence version 2.0",
            Licence::Odbl => "Open Data Commons Open Database License (ODbL)",
        }
    }
}

code_enum!(
    /// The update frequency, as codes of the EU "frequency" authority table
    /// (<http://publications.europa.eu/resource/authority/frequency>), which DCAT-AP uses.
    Frequency, "fréquence de mise à jour" {
        Continuous = "CONT",
        UpdateContinuous = "UPDATE_CONT",
        OneMinute = "1MIN",
        FiveMinutes = "5MIN",
        TenMinutes = "10MIN",
        FifteenMinutes = "15MIN",
        ThirtyMinutes = "30MIN",
        Hourly = "HOURLY",
        Bihourly = "BIHOURLY",
        Trihourly = "TRIHOURLY",
        TwelveHours = "12HRS",
        Daily = "DAILY",
        TwiceDaily = "DAILY_2",
        Weekly = "WEEKLY",
        TwiceWeekly = "WEEKLY_2",
        ThreeTimesWeekly = "WEEKLY_3",
        Biweekly = "BIWEEKLY",
        Monthly = "MONTHLY",
        TwiceMonthly = "MONTHLY_2",
        ThreeTimesMonthly = "MONTHLY_3",
        Bimonthly = "BIMONTHLY",
        Quarterly = "QUARTERLY",
        Annual = "ANNUAL",
        Semiannual = "ANNUAL_2",
        ThreeTimesYearly = "ANNUAL_3",
        Biennial = "BIENNIAL",
        Triennial = "TRIENNIAL",
        Quadrennial = "QUADRENNIAL",
        Quinquennial = "QUINQUENNIAL",
        Decennial = "DECENNIAL",
        Bidecennial = "BIDECENNIAL",
        Tridecennial = "TRIDECENNIAL",
        AsNeeded = "AS_NEEDED",
        Irregular = "IRREG",
        NotPlanned = "NOT_PLANNED",
        Never = "NEVER",
        Provisional = "OP_DATPRO",
        Other = "OTHER",
        Unknown = "UNKNOWN",
    }
);

impl Frequency {
    /// The EU authority URI (what DCAT `dct:accrualPeriodicity` points to).
    pub fn uri(self) -> String {
        format!(
            "http://publications.europa.eu/resource/authority/frequency/{}",
            self.as_str()
        )
    }
}

code_enum!(
    /// Where a dataset is in its life.
    DatasetState, "état du jeu de données" {
        /// Visible to its organisation only.
        Draft = "draft",
        /// Public and harvestable.
        Published = "published",
        /// Still readable, no longer updated nor listed by default.
        Archived = "archived",
    }
);

/// What is needed to create (or fully update) a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDataset {
    pub slug: Slug,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub licence: Licence,
    pub themes: Vec<String>,
    pub keywords: Vec<String>,
    pub frequency: Option<Frequency>,
    pub temporal_start: Option<Date>,
    pub temporal_end: Option<Date>,
    pub spatial: Option<TerritoryCode>,
    /// Who produced the data.
    pub producer: OrganisationId,
    /// Who publishes it (differs from the producer when publishing on behalf of another body).
    pub publisher: OrganisationId,
    pub state: DatasetState,
    /// For harvested datasets: the identifier at the source.
    pub remote_id: Option<String>,
    /// For harvested datasets: the page or API URL at the source.
    pub source_url: Option<String>,
}

/// A stored dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub id: DatasetId,
    pub slug: Slug,
    pub title: String,
    pub description: String,
    pub licence: Licence,
    pub themes: Vec<String>,
    pub keywords: Vec<String>,
    pub frequency: Option<Frequency>,
    pub temporal_start: Option<Date>,
    pub temporal_end: Option<Date>,
    pub spatial: Option<TerritoryCode>,
    pub producer: OrganisationId,
    pub publisher: OrganisationId,
    pub state: DatasetState,
    pub remote_id: Option<String>,
    pub source_url: Option<String>,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for frequency in Frequency::ALL {
            assert_eq!(Frequency::parse(frequency.as_str()).unwrap(), *frequency);
        }
        assert_eq!(
            Frequency::Monthly.uri(),
            "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
        );
        assert_eq!(Licence::default().as_str(), "etalab-2.0");
        assert_eq!(Licence::parse("odbl-1.0").unwrap(), Licence::Odbl);
        assert_eq!(
            Licence::parse("cc-by").unwrap_err().to_string(),
            "licence invalide : « cc-by »"
        );
    }
}

//! A scratch catalogue with one organisation, one dataset and resources.

use catalogue::{Actor, Catalogue, PublishRequest};
use model::{PublicationPolicy, Resource, VersionOrigin};
use store::conformance::{SIREN_MONTPELLIER, new_dataset, new_organisation, new_resource};

pub struct Scratch {
    pub catalogue: Catalogue,
    pub organisation: model::Organisation,
    pub dataset: model::Dataset,
    _dir: tempfile::TempDir,
}

pub fn scratch() -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = Catalogue::open(dir.path()).unwrap();
    let organisation = catalogue
        .add_organisation(
            &Actor::Operator,
            &new_organisation(SIREN_MONTPELLIER, "Montpellier"),
        )
        .unwrap();
    let dataset = catalogue
        .create_dataset(
            &Actor::Operator,
            &new_dataset("menus-montpellier", &organisation, &organisation),
        )
        .unwrap();
    Scratch {
        catalogue,
        organisation,
        dataset,
        _dir: dir,
    }
}

impl Scratch {
    pub fn resource(&self, schema: Option<&str>, policy: PublicationPolicy) -> Resource {
        let mut new = new_resource(&self.dataset, schema);
        new.policy = policy;
        self.catalogue.add_resource(&Actor::Operator, &new).unwrap()
    }

    pub fn publish(&self, resource: &Resource, bytes: &[u8]) -> catalogue::Publication {
        self.catalogue
            .publish(&Actor::Operator, &request(resource), bytes)
            .unwrap()
    }

    /// The position of a column in a version's table.
    pub fn column(&self, version: model::VersionId, name: &str) -> usize {
        let columns = self
            .catalogue
            .store()
            .version_columns(version)
            .unwrap()
            .unwrap();
        columns
            .iter()
            .position(|column| column.name == name)
            .unwrap()
    }

    /// Every row of a version.
    pub fn rows(&self, version: model::VersionId) -> Vec<Vec<model::Value>> {
        let mut rows = Vec::new();
        self.catalogue
            .store()
            .for_each_row::<store::Error>(version, |row| {
                rows.push(row.to_vec());
                Ok(())
            })
            .unwrap();
        rows
    }
}

pub fn request(resource: &Resource) -> PublishRequest {
    PublishRequest {
        resource: resource.id,
        file_name: Some("fichier.csv".to_owned()),
        origin: VersionOrigin::Cli,
        read: ingest::Options::default(),
    }
}

/// The demo's canteen menus of a commune: a real, valid scdl-menus-collectifs file.
pub fn valid_menus() -> Vec<u8> {
    demo_file("scdl-menus-collectifs", true)
}

/// The demo's deliberately broken menus file (JJ/MM/AAAA dates, decimal commas).
pub fn broken_menus() -> Vec<u8> {
    demo_file("scdl-menus-collectifs", false)
}

fn demo_file(schema: &str, valid: bool) -> Vec<u8> {
    catalogue::demo::organisations()
        .iter()
        .flat_map(|organisation| catalogue::demo::datasets(organisation, 7))
        .find(|dataset| dataset.schema == schema && dataset.expected_valid == valid)
        .expect("the demo has such a file")
        .csv
}

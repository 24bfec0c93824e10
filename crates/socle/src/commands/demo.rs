//! `socle demo`: a data directory with real Occitanie organisations and generated SCDL data,
//! published through the catalogue service exactly as users' files are.

use std::path::Path;

use catalogue::demo::{DemoDataset, DemoOrganisation};
use catalogue::{Actor, Catalogue, Outcome as Published, PublishRequest};
use model::{
    DatasetState, Frequency, Licence, NewDataset, NewOrganisation, NewResource, OrganisationKind,
    PublicationPolicy, Siren, Slug, TerritoryCode, VersionOrigin,
};

use super::Outcome;
use super::admin::open;
use super::publish::schema_ref;

/// The seed of the generated files: the same demo on every machine.
const SEED: u64 = 2026;

pub fn run(data: &Path) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    if !catalogue.store().list_organisations()?.is_empty() {
        // Running the quick start twice must not fail, nor mix the demo into real data.
        println!(
            "« {} » contient déjà des données : rien n'a été ajouté.",
            data.display()
        );
        return Ok(Outcome::Success);
    }
    let counts = catalogue.import_referentials(&Actor::Operator)?;
    println!(
        "Référentiels : {} communes, {} EPCI.",
        counts.communes, counts.epci
    );
    let organisations = catalogue::demo::organisations();
    for organisation in &organisations {
        add_organisation(&catalogue, organisation)?;
    }
    let mut published = 0;
    for organisation in &organisations {
        for dataset in catalogue::demo::datasets(organisation, SEED) {
            published += publish_dataset(&catalogue, organisation, &dataset)?;
        }
    }
    // The demo data directory is served at once: its indexes are built before the command ends.
    catalogue.run_waiting_jobs(&mut |_, _| {})?;
    println!(
        "Démo prête dans « {} » : {} organisations, {published} fichiers publiés.",
        data.display(),
        organisations.len()
    );
    Ok(Outcome::Success)
}

fn add_organisation(catalogue: &Catalogue, demo: &DemoOrganisation) -> anyhow::Result<()> {
    let (kind, territory) = match demo.kind {
        catalogue::demo::OrganisationKind::Commune => (
            OrganisationKind::Commune,
            format!("commune:{}", demo.territory_code),
        ),
        catalogue::demo::OrganisationKind::Epci => (
            OrganisationKind::Epci,
            format!("epci:{}", demo.territory_code),
        ),
        catalogue::demo::OrganisationKind::Region => (
            OrganisationKind::Region,
            format!("region:{}", demo.territory_code),
        ),
    };
    let new = NewOrganisation {
        siren: siren(demo.siren)?,
        name: demo.official_name.to_owned(),
        kind,
        territory: Some(
            TerritoryCode::parse(&territory).map_err(|error| anyhow::anyhow!("{error}"))?,
        ),
        contact_email: Some(demo.contact_email.to_owned()),
        logo_url: None,
    };
    catalogue.add_organisation(&Actor::Operator, &new)?;
    Ok(())
}

/// Creates the dataset and its resource, then publishes the file; returns 1 when it went live.
fn publish_dataset(
    catalogue: &Catalogue,
    organisation: &DemoOrganisation,
    demo: &DemoDataset,
) -> anyhow::Result<usize> {
    let producer = catalogue.organisation_by_siren(&siren(organisation.siren)?)?;
    let publisher = match organisation.published_by {
        Some(publisher) => catalogue.organisation_by_siren(&siren(publisher)?)?,
        None => producer.clone(),
    };
    let new = NewDataset {
        // Slugs are unique across the instance: each organisation's datasets carry its name.
        slug: Slug::parse(&format!("{}-{}", organisation.slug, demo.slug))
            .map_err(|error| anyhow::anyhow!("{error}"))?,
        title: demo.title.clone(),
        description: demo.description.clone(),
        licence: Licence::EtalabV2,
        themes: demo.themes.clone(),
        keywords: demo.keywords.clone(),
        frequency: Frequency::parse(demo.frequency).ok(),
        temporal_start: None,
        temporal_end: None,
        spatial: producer.territory.clone(),
        producer: producer.id,
        publisher: publisher.id,
        state: DatasetState::Published,
        remote_id: None,
        source_url: None,
    };
    let dataset = catalogue.create_dataset(&Actor::Operator, &new)?;
    let resource = catalogue.add_resource(
        &Actor::Operator,
        &NewResource {
            dataset: dataset.id,
            title: demo.title.clone(),
            description: String::new(),
            format: "csv".to_owned(),
            schema: Some(schema_ref(demo.schema)?),
            remote_url: None,
            // The imperfect file shows how a non-conformant publication looks.
            policy: if demo.expected_valid {
                PublicationPolicy::Strict
            } else {
                PublicationPolicy::Lenient
            },
        },
    )?;
    let request = PublishRequest {
        resource: resource.id,
        file_name: Some(demo.file_name.clone()),
        origin: VersionOrigin::Cli,
        read: ingest::Options::default(),
    };
    let publication = catalogue.publish(&Actor::Operator, &request, demo.csv.as_slice())?;
    let live = matches!(publication.outcome, Published::Published { .. });
    let mark = match publication.outcome {
        Published::Published { conformant: true } => "✔",
        Published::Published { conformant: false } => "⚠ non conforme",
        _ => "✘",
    };
    println!("  {mark} {} — {}", organisation.official_name, demo.title);
    Ok(usize::from(live))
}

fn siren(text: &str) -> anyhow::Result<Siren> {
    Siren::parse(text).map_err(|error| anyhow::anyhow!("{error}"))
}

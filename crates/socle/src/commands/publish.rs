//! `socle publish FILE --dataset SLUG`: the command-line door to `Catalogue::publish`.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use catalogue::{Actor, Catalogue, Outcome as Published, PublishRequest};
use model::{IndexState, NewResource, PublicationPolicy, Resource, SchemaRef, VersionOrigin};
use tableschema::Lang;

use super::Outcome;
use super::admin::{open, parse_slug};
use super::validate::io_error_fr;
use crate::cli::{PublishArgs, ReportFormat};
use crate::report::{render_human, render_json};

pub fn run(data: &Path, args: &PublishArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let catalogue = open(data)?;
    let resource = target_resource(&catalogue, args)?;
    let file = File::open(&args.file).map_err(|error| {
        anyhow::anyhow!(
            "impossible d'ouvrir le fichier « {} » : {}",
            args.file.display(),
            io_error_fr(&error)
        )
    })?;
    let size = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let progress = progress_bar(size);
    let request = PublishRequest {
        resource: resource.id,
        file_name: args
            .file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned()),
        origin: VersionOrigin::Cli,
        read: ingest::Options::default(),
    };
    let publication = catalogue.publish(
        &Actor::Operator,
        &request,
        progress.wrap_read(BufReader::new(file)),
    )?;
    progress.finish_and_clear();
    if let Some(report) = &publication.report_in(Lang::Fr) {
        match args.format {
            ReportFormat::Human => println!("{}\n", render_human(report, Lang::Fr)),
            ReportFormat::Json => println!("{}", render_json(report)),
        }
    }
    let version = &publication.version;
    let verdict = match publication.outcome {
        Published::Published { conformant: true } => format!(
            "Version {} publiée : {} lignes en ligne.",
            version.id,
            version.row_count.unwrap_or(0)
        ),
        Published::Published { conformant: false } => format!(
            "Version {} publiée mais non conforme à son schéma ({} lignes en ligne) : corrigez le fichier et publiez-le de nouveau.",
            version.id,
            version.row_count.unwrap_or(0)
        ),
        Published::Rejected => format!(
            "Version {} refusée : la version précédente reste en ligne. Le rapport est conservé (`socle history {}`).",
            version.id, resource.id
        ),
        Published::AlreadyPublished => format!(
            "Ce fichier est déjà la version {} de la ressource : rien de nouveau.",
            version.id
        ),
    };
    let say = |line: &str| {
        if args.format == ReportFormat::Human {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    };
    say(&verdict);
    if matches!(publication.outcome, Published::Published { .. }) {
        say(&format!(
            "Lignes interrogeables après {}.",
            seconds(started.elapsed())
        ));
    }
    if args.no_wait_indexes {
        if version.indexes == IndexState::Building {
            say(
                "Index en construction : `socle serve` ou la prochaine publication les termineront.",
            );
        }
    } else {
        build_indexes(&catalogue)?;
        if catalogue.store().version(version.id)?.map(|v| v.indexes) == Some(IndexState::Ready)
            && version.indexes == IndexState::Building
        {
            say(&format!(
                "Index et recherche plein texte prêts après {}.",
                seconds(started.elapsed())
            ));
        }
    }
    Ok(match publication.outcome {
        Published::Published { conformant: true } | Published::AlreadyPublished => Outcome::Success,
        Published::Published { conformant: false } | Published::Rejected => Outcome::Invalid,
    })
}

/// Runs the waiting index builds (this publication's and any left over), with a spinner.
fn build_indexes(catalogue: &Catalogue) -> anyhow::Result<()> {
    let spinner = indicatif::ProgressBar::new_spinner();
    catalogue.run_waiting_jobs(store::JOB_LEASE, &mut |_, step| {
        spinner.set_message(format!("Construction des index : {step}"));
        spinner.tick();
    })?;
    spinner.finish_and_clear();
    Ok(())
}

/// Seconds in French (decimal comma): hundredths below ten seconds, where they tell loads apart.
fn seconds(elapsed: std::time::Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let text = if seconds < 10.0 {
        format!("{seconds:.2} s")
    } else {
        format!("{seconds:.1} s")
    };
    text.replace('.', ",")
}

/// The resource named, or the dataset's only one, created at the first publication.
fn target_resource(catalogue: &Catalogue, args: &PublishArgs) -> anyhow::Result<Resource> {
    let dataset = catalogue.dataset_by_slug(&parse_slug(&args.dataset)?)?;
    if let Some(id) = args.resource {
        let resource = catalogue.resource(model::ResourceId(id))?;
        anyhow::ensure!(
            resource.dataset == dataset.id,
            "la ressource {id} n'appartient pas au jeu « {} »",
            dataset.slug
        );
        return Ok(resource);
    }
    let resources = catalogue.store().resources_of_dataset(dataset.id)?;
    match resources.as_slice() {
        [only] => Ok(only.clone()),
        [] => create_resource(catalogue, &dataset, args),
        several => {
            let ids: Vec<String> = several
                .iter()
                .map(|resource| format!("{} « {} »", resource.id, resource.title))
                .collect();
            anyhow::bail!(
                "le jeu « {} » a plusieurs ressources : préciser --resource parmi {}",
                dataset.slug,
                ids.join(", ")
            )
        }
    }
}

fn create_resource(
    catalogue: &Catalogue,
    dataset: &model::Dataset,
    args: &PublishArgs,
) -> anyhow::Result<Resource> {
    let schema = match &args.schema {
        Some(reference) => Some(schema_ref(reference)?),
        None => None,
    };
    let title = args
        .file
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| dataset.title.clone());
    let new = NewResource {
        dataset: dataset.id,
        title,
        description: String::new(),
        format: "csv".to_owned(),
        schema,
        remote_url: None,
        policy: if args.lenient {
            PublicationPolicy::Lenient
        } else {
            PublicationPolicy::Strict
        },
    };
    Ok(catalogue.add_resource(&Actor::Operator, &new)?)
}

/// `name` or `name@version` of a bundled schema, pinned to its exact version.
pub fn schema_ref(reference: &str) -> anyhow::Result<SchemaRef> {
    let bundled = catalogue::bundled::find(reference)
        .map_err(|error| anyhow::anyhow!("{}", error.message_fr()))?;
    Ok(catalogue::publish::schema_ref(bundled))
}

/// A byte progress bar on standard error (hidden when it is not a terminal).
pub fn progress_bar(size: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(size);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, reste {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("lecture");
    bar
}

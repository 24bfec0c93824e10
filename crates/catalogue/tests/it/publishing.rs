//! Publishing: versions, policies, idempotence, inference, unreadable files.

use catalogue::Outcome;
use model::{PublicationPolicy, Value, VersionStatus};

use crate::support::{broken_menus, scratch, valid_menus};

const MENUS: &str = "scdl-menus-collectifs@1.2.3";

#[test]
fn a_valid_file_becomes_the_live_version_with_typed_rows() {
    let scratch = scratch();
    let resource = scratch.resource(Some(MENUS), PublicationPolicy::Strict);
    let bytes = valid_menus();
    let publication = scratch.publish(&resource, &bytes);
    assert_eq!(publication.outcome, Outcome::Published { conformant: true });
    let live = scratch
        .catalogue
        .store()
        .live_version(resource.id)
        .unwrap()
        .unwrap();
    assert_eq!(live.id, publication.version.id);
    let data_rows = bytes
        .split(|byte| *byte == b'\n')
        .filter(|line| !line.is_empty())
        .count()
        - 1;
    assert_eq!(live.row_count, Some(data_rows as u64));
    let rows = scratch.rows(live.id);
    assert_eq!(rows.len(), data_rows);
    let date = scratch.column(live.id, "menuDate");
    assert!(
        rows.iter().all(|row| matches!(row[date], Value::Date(_))),
        "menuDate is typed: {:?}",
        rows[0]
    );
    assert_eq!(publication.report.unwrap()["valid"], true);
}

#[test]
fn a_strict_resource_rejects_a_broken_file_and_keeps_serving_the_previous_one() {
    let scratch = scratch();
    let resource = scratch.resource(Some(MENUS), PublicationPolicy::Strict);
    let first = scratch.publish(&resource, &valid_menus());
    let rejected = scratch.publish(&resource, &broken_menus());
    assert_eq!(rejected.outcome, Outcome::Rejected);
    assert_eq!(rejected.version.status, VersionStatus::Rejected);
    let report = rejected.report.unwrap();
    assert_eq!(report["valid"], false);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("menuDate")
            || report["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["fieldName"] == "menuDate")
    );
    let live = scratch
        .catalogue
        .store()
        .live_version(resource.id)
        .unwrap()
        .unwrap();
    assert_eq!(live.id, first.version.id, "the previous version stays live");
    let history = scratch.catalogue.history(resource.id).unwrap();
    assert_eq!(
        history.len(),
        2,
        "the rejected version is kept with its report"
    );
}

#[test]
fn a_lenient_resource_publishes_a_broken_file_flagged_non_conformant_without_losing_cells() {
    let scratch = scratch();
    let resource = scratch.resource(Some(MENUS), PublicationPolicy::Lenient);
    let publication = scratch.publish(&resource, &broken_menus());
    assert_eq!(
        publication.outcome,
        Outcome::Published { conformant: false }
    );
    assert!(!publication.version.conformant);
    let rows = scratch.rows(publication.version.id);
    let first_date = &rows[0][scratch.column(publication.version.id, "menuDate")];
    assert!(
        matches!(first_date, Value::Text(text) if text.contains('/')),
        "the JJ/MM/AAAA text is kept: {first_date:?}"
    );
}

#[test]
fn the_same_bytes_twice_make_no_new_version() {
    let scratch = scratch();
    let resource = scratch.resource(Some(MENUS), PublicationPolicy::Strict);
    let first = scratch.publish(&resource, &valid_menus());
    let again = scratch.publish(&resource, &valid_menus());
    assert_eq!(again.outcome, Outcome::AlreadyPublished);
    assert_eq!(again.version.id, first.version.id);
    assert_eq!(scratch.catalogue.history(resource.id).unwrap().len(), 1);
}

#[test]
fn a_file_without_schema_gets_inferred_french_types() {
    let scratch = scratch();
    let resource = scratch.resource(None, PublicationPolicy::Strict);
    let csv = "code_insee;montant;date\n01004;12,5;05/03/2024\n31555;7;31/12/2024\n";
    let publication = scratch.publish(&resource, csv.as_bytes());
    assert_eq!(publication.outcome, Outcome::Published { conformant: true });
    let rows = scratch.rows(publication.version.id);
    assert_eq!(
        rows[0][0],
        Value::Text("01004".to_owned()),
        "codes keep their leading zero"
    );
    assert_eq!(rows[0][1], Value::Float(12.5));
    assert_eq!(rows[0][2], Value::Date(jiff::civil::date(2024, 3, 5)));
}

#[test]
fn an_unreadable_file_is_kept_as_a_rejected_version_with_a_french_report() {
    let scratch = scratch();
    let resource = scratch.resource(Some(MENUS), PublicationPolicy::Lenient);
    let first = scratch.publish(&resource, &valid_menus());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([0u8; 100]);
    let publication = scratch.publish(&resource, &png);
    assert_eq!(publication.outcome, Outcome::Rejected);
    let message = publication.report.unwrap()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!message.is_empty());
    let live = scratch
        .catalogue
        .store()
        .live_version(resource.id)
        .unwrap()
        .unwrap();
    assert_eq!(live.id, first.version.id);
}

#[test]
fn a_resource_cannot_declare_a_schema_that_is_not_bundled() {
    let scratch = scratch();
    let new =
        store::conformance::new_resource(&scratch.dataset, Some("scdl-menus-collectifs@9.9.9"));
    let error = scratch
        .catalogue
        .add_resource(&catalogue::Actor::Operator, &new)
        .unwrap_err();
    assert!(error.to_string().contains("1.2.3"), "{error}");
}

/// A menus file of more than `size` bytes: the valid demo file's data rows repeated (their
/// identifiers repeat too, which only makes the file non-conformant).
fn large_menus(size: usize) -> Vec<u8> {
    let valid = valid_menus();
    let header_end = valid.iter().position(|byte| *byte == b'\n').unwrap() + 1;
    let mut bytes = valid[..header_end].to_vec();
    while bytes.len() < size {
        bytes.extend_from_slice(&valid[header_end..]);
    }
    bytes
}

/// Publishes `bytes` on a new resource of `policy` through the one-pass path (the input read
/// once, stored while loaded) and on another through the path of a file already in the blob
/// store, and checks that both end the same: outcome, version, report and rows.
fn assert_one_pass_publication_is_the_stored_one(
    scratch: &crate::support::Scratch,
    policy: PublicationPolicy,
    bytes: &[u8],
) {
    let streamed_resource = scratch.resource(Some(MENUS), policy);
    let stored_resource = scratch.resource(Some(MENUS), policy);
    let streamed = scratch.publish(&streamed_resource, bytes);
    let blob = scratch.catalogue.store().put_blob(bytes).unwrap();
    let stored = scratch
        .catalogue
        .publish_stored(
            &catalogue::Actor::Operator,
            &crate::support::request(&stored_resource),
            &blob,
            &std::sync::atomic::AtomicU64::new(0),
        )
        .unwrap();
    assert_eq!(streamed.outcome, stored.outcome);
    assert_eq!(streamed.report, stored.report);
    let (one, other) = (&streamed.version, &stored.version);
    assert_eq!((one.sha256, one.size), (blob.sha256, blob.size));
    assert_eq!(
        (
            one.sha256,
            one.size,
            one.row_count,
            one.status,
            one.conformant
        ),
        (
            other.sha256,
            other.size,
            other.row_count,
            other.status,
            other.conformant
        )
    );
    if matches!(streamed.outcome, Outcome::Published { .. }) {
        assert_eq!(scratch.rows(one.id), scratch.rows(other.id));
    }
    // Publishing the same bytes again finds the version, after loading them a second time.
    let again = scratch.publish(&streamed_resource, bytes);
    assert_eq!(again.outcome, Outcome::AlreadyPublished);
    assert_eq!(again.version.id, streamed.version.id);
    assert_eq!(
        scratch
            .catalogue
            .history(streamed_resource.id)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_file_stored_while_loaded_publishes_as_a_file_already_stored() {
    let scratch = scratch();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([0u8; 100]);
    let valid = valid_menus();
    let header_only = &valid[..=valid.iter().position(|byte| *byte == b'\n').unwrap()];
    let cases: [(PublicationPolicy, &[u8]); 8] = [
        (PublicationPolicy::Strict, &valid),
        (PublicationPolicy::Strict, &broken_menus()),
        (PublicationPolicy::Lenient, &broken_menus()),
        // Several of the blob store's spooling chunks and of the reader's blocks.
        (PublicationPolicy::Lenient, &large_menus(5_000_000)),
        // Read from the blob store after all: not a CSV, empty, a header alone.
        (PublicationPolicy::Lenient, &png),
        (PublicationPolicy::Lenient, b""),
        (PublicationPolicy::Lenient, header_only),
        // Broken off by a quote that never closes.
        (
            PublicationPolicy::Lenient,
            &[header_only, b"\"2024"].concat(),
        ),
    ];
    for (policy, bytes) in cases {
        assert_one_pass_publication_is_the_stored_one(&scratch, policy, bytes);
    }
    let problems = scratch.catalogue.store().check().unwrap();
    assert!(problems.is_empty(), "nothing left behind: {problems:?}");
}

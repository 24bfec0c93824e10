//! Every write is refused to a user without the role it needs, and allowed with it.

use catalogue::{Actor, Error};
use model::{NewUser, PublicationPolicy, Role};
use store::conformance::{SIREN_OCCITANIE, new_dataset, new_organisation, new_resource};

use crate::support::{request, scratch, valid_menus};

fn user(scratch: &crate::support::Scratch, email: &str) -> Actor {
    let new = NewUser {
        email: email.to_owned(),
        display_name: email.to_owned(),
        password_hash: None,
        is_admin: false,
    };
    Actor::User(scratch.catalogue.add_user(&Actor::Operator, &new).unwrap())
}

fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Forbidden(message)) => {
            assert!(message.contains("refusée") || !message.is_empty())
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_user_without_role_can_write_nothing() {
    let scratch = scratch();
    let stranger = user(&scratch, "inconnu@example.org");
    let resource = scratch.resource(
        Some("scdl-menus-collectifs@1.2.3"),
        PublicationPolicy::Strict,
    );
    let catalogue = &scratch.catalogue;
    assert_forbidden(
        catalogue.add_organisation(&stranger, &new_organisation(SIREN_OCCITANIE, "Région")),
    );
    assert_forbidden(catalogue.add_user(
        &stranger,
        &NewUser {
            email: "x@example.org".into(),
            display_name: "x".into(),
            password_hash: None,
            is_admin: false,
        },
    ));
    assert_forbidden(catalogue.create_dataset(
        &stranger,
        &new_dataset("autre", &scratch.organisation, &scratch.organisation),
    ));
    assert_forbidden(catalogue.update_dataset(
        &stranger,
        &scratch.dataset,
        &catalogue::new_dataset_from(&scratch.dataset),
    ));
    assert_forbidden(catalogue.archive_dataset(&stranger, &scratch.dataset));
    assert_forbidden(catalogue.add_resource(&stranger, &new_resource(&scratch.dataset, None)));
    assert_forbidden(catalogue.publish(&stranger, &request(&resource), valid_menus().as_slice()));
    assert_forbidden(catalogue.import_referentials(&stranger));
    assert_forbidden(catalogue.update_organisation(
        &stranger,
        &scratch.organisation,
        &catalogue::new_organisation_from(&scratch.organisation),
    ));
    assert_forbidden(catalogue.update_resource(
        &stranger,
        &resource,
        &catalogue::new_resource_from(&resource),
    ));
    assert_forbidden(catalogue.archive_organisation(&stranger, &scratch.organisation));
    assert_forbidden(catalogue.archive_resource(&stranger, &resource));
    let Actor::User(stranger_user) = &stranger else {
        unreachable!()
    };
    assert_forbidden(catalogue.grant(
        &stranger,
        stranger_user,
        &scratch.organisation,
        Some(Role::Admin),
    ));
    assert!(
        catalogue.history(resource.id).unwrap().is_empty(),
        "nothing was published"
    );
}

#[test]
fn an_editor_publishes_but_cannot_manage_members() {
    let scratch = scratch();
    let editor = user(&scratch, "agent@example.org");
    let Actor::User(editor_user) = &editor else {
        unreachable!()
    };
    scratch
        .catalogue
        .grant(
            &Actor::Operator,
            editor_user,
            &scratch.organisation,
            Some(Role::Editor),
        )
        .unwrap();
    let resource = scratch.resource(
        Some("scdl-menus-collectifs@1.2.3"),
        PublicationPolicy::Strict,
    );
    let publication = scratch
        .catalogue
        .publish(&editor, &request(&resource), valid_menus().as_slice())
        .unwrap();
    assert_eq!(
        publication.version.received_by,
        Some(editor_user.id),
        "history records who published"
    );
    assert_forbidden(scratch.catalogue.grant(
        &editor,
        editor_user,
        &scratch.organisation,
        Some(Role::Admin),
    ));
    // An editor changes resources, not the organisation itself.
    let mut renamed = catalogue::new_resource_from(&resource);
    renamed.title = "Menus (renommés)".to_owned();
    let updated = scratch
        .catalogue
        .update_resource(&editor, &resource, &renamed)
        .unwrap();
    assert_eq!(updated.title, "Menus (renommés)");
    assert_eq!(updated.live_version, Some(publication.version.id));
    assert_forbidden(scratch.catalogue.update_organisation(
        &editor,
        &scratch.organisation,
        &catalogue::new_organisation_from(&scratch.organisation),
    ));
}

#[test]
fn an_organisation_administrator_updates_it_but_never_its_siren() {
    let scratch = scratch();
    let admin = user(&scratch, "dsi@example.org");
    let Actor::User(admin_user) = &admin else {
        unreachable!()
    };
    scratch
        .catalogue
        .grant(
            &Actor::Operator,
            admin_user,
            &scratch.organisation,
            Some(Role::Admin),
        )
        .unwrap();
    let mut new = catalogue::new_organisation_from(&scratch.organisation);
    new.name = "Nouveau nom".to_owned();
    let updated = scratch
        .catalogue
        .update_organisation(&admin, &scratch.organisation, &new)
        .unwrap();
    assert_eq!(updated.name, "Nouveau nom");
    new.siren = model::Siren::parse(SIREN_OCCITANIE).unwrap();
    assert!(matches!(
        scratch
            .catalogue
            .update_organisation(&admin, &scratch.organisation, &new),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn an_editor_of_another_organisation_is_refused() {
    let scratch = scratch();
    let other = scratch
        .catalogue
        .add_organisation(
            &Actor::Operator,
            &new_organisation(SIREN_OCCITANIE, "Région"),
        )
        .unwrap();
    let editor = user(&scratch, "region@example.org");
    let Actor::User(editor_user) = &editor else {
        unreachable!()
    };
    scratch
        .catalogue
        .grant(&Actor::Operator, editor_user, &other, Some(Role::Admin))
        .unwrap();
    let resource = scratch.resource(None, PublicationPolicy::Strict);
    assert_forbidden(
        scratch
            .catalogue
            .publish(&editor, &request(&resource), b"a\n1\n".as_slice()),
    );
}

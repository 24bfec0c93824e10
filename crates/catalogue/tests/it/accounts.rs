//! Passwords and sessions through the catalogue service.

use catalogue::accounts::password_matches;
use catalogue::{Actor, Error, SessionPolicy};
use jiff::SignedDuration;
use model::NewUser;

use crate::support::scratch;

fn add_user(catalogue: &catalogue::Catalogue, email: &str, is_admin: bool) -> model::User {
    catalogue
        .add_user(
            &Actor::Operator,
            &NewUser {
                email: email.to_owned(),
                display_name: email.to_owned(),
                password_hash: None,
                is_admin,
            },
        )
        .unwrap()
}

#[test]
fn sign_in_checks_the_password_and_opens_a_session() {
    let scratch = scratch();
    let catalogue = &scratch.catalogue;
    let agent = add_user(catalogue, "agent@example.fr", false);
    let policy = SessionPolicy::default();

    let no_password = catalogue
        .sign_in("agent@example.fr", "nimportequoi", &policy)
        .unwrap_err();
    assert!(matches!(no_password, Error::Unauthenticated(_)));

    let agent = catalogue
        .reset_password(&Actor::Operator, &agent, "cantine du lundi")
        .unwrap();
    assert!(password_matches(
        agent.password_hash.as_deref().unwrap(),
        "cantine du lundi"
    ));
    let wrong = catalogue
        .sign_in("agent@example.fr", "cantine du mardi", &policy)
        .unwrap_err();
    let unknown = catalogue
        .sign_in("personne@example.fr", "cantine du lundi", &policy)
        .unwrap_err();
    assert_eq!(
        wrong.to_string(),
        unknown.to_string(),
        "the message does not tell which addresses exist"
    );

    let opened = catalogue
        .sign_in(" Agent@Example.fr ", "cantine du lundi", &policy)
        .unwrap();
    assert_eq!(opened.user.id, agent.id);
    assert_ne!(
        opened.session.token_hash, opened.secret,
        "only a hash is kept"
    );
    let found = catalogue.session(&opened.secret, &policy).unwrap().unwrap();
    assert_eq!(found.user.id, agent.id);
    assert_eq!(found.session.csrf_token, opened.session.csrf_token);
    assert!(catalogue.session("inconnu", &policy).unwrap().is_none());

    catalogue.sign_out(&opened.secret).unwrap();
    assert!(
        catalogue
            .session(&opened.secret, &policy)
            .unwrap()
            .is_none()
    );
}

#[test]
fn changing_a_password_revokes_every_session() {
    let scratch = scratch();
    let catalogue = &scratch.catalogue;
    let agent = add_user(catalogue, "agent@example.fr", false);
    catalogue
        .reset_password(&Actor::Operator, &agent, "premier mot de passe")
        .unwrap();
    let policy = SessionPolicy::default();
    let laptop = catalogue
        .sign_in("agent@example.fr", "premier mot de passe", &policy)
        .unwrap();
    let phone = catalogue
        .sign_in("agent@example.fr", "premier mot de passe", &policy)
        .unwrap();
    let actor = Actor::User(laptop.user.clone());

    let wrong_current = catalogue
        .change_own_password(&actor, "pas le bon du tout", "second mot de passe")
        .unwrap_err();
    assert!(wrong_current.to_string().contains("actuel est incorrect"));
    assert!(catalogue.session(&phone.secret, &policy).unwrap().is_some());

    catalogue
        .change_own_password(&actor, "premier mot de passe", "second mot de passe")
        .unwrap();
    assert!(
        catalogue
            .session(&laptop.secret, &policy)
            .unwrap()
            .is_none()
    );
    assert!(catalogue.session(&phone.secret, &policy).unwrap().is_none());
    assert!(
        catalogue
            .sign_in("agent@example.fr", "premier mot de passe", &policy)
            .is_err()
    );
    catalogue
        .sign_in("agent@example.fr", "second mot de passe", &policy)
        .unwrap();
}

#[test]
fn only_instance_administrators_reset_other_passwords() {
    let scratch = scratch();
    let catalogue = &scratch.catalogue;
    let agent = add_user(catalogue, "agent@example.fr", false);
    let colleague = add_user(catalogue, "collegue@example.fr", false);
    let admin = add_user(catalogue, "admin@example.fr", true);

    let refused = catalogue
        .reset_password(
            &Actor::User(agent.clone()),
            &colleague,
            "je prends ta place",
        )
        .unwrap_err();
    assert!(matches!(refused, Error::Forbidden(_)), "{refused}");
    assert!(
        refused
            .to_string()
            .contains("administrateurs de l'instance")
    );

    catalogue
        .reset_password(&Actor::User(admin), &colleague, "remis à zéro par l'admin")
        .unwrap();
    let policy = SessionPolicy::default();
    catalogue
        .sign_in("collegue@example.fr", "remis à zéro par l'admin", &policy)
        .unwrap();
    let operator_only = catalogue
        .change_own_password(&Actor::Operator, "x", "quelque chose de long")
        .unwrap_err();
    assert!(matches!(operator_only, Error::Forbidden(_)));
}

#[test]
fn expired_sessions_are_refused_and_purged() {
    let scratch = scratch();
    let catalogue = &scratch.catalogue;
    let agent = add_user(catalogue, "agent@example.fr", false);
    catalogue
        .reset_password(&Actor::Operator, &agent, "un mot de passe long")
        .unwrap();
    // A policy whose sessions are born expired: no clock to wait for.
    let expired = SessionPolicy {
        idle: SignedDuration::ZERO,
        max_age: SignedDuration::ZERO,
    };
    let opened = catalogue
        .sign_in("agent@example.fr", "un mot de passe long", &expired)
        .unwrap();
    let other = catalogue
        .sign_in("agent@example.fr", "un mot de passe long", &expired)
        .unwrap();
    assert!(
        catalogue
            .session(&opened.secret, &SessionPolicy::default())
            .unwrap()
            .is_none()
    );
    assert_eq!(catalogue.purge_expired_sessions().unwrap(), 1);
    assert!(
        catalogue
            .store()
            .session_by_hash(&other.session.token_hash)
            .unwrap()
            .is_none()
    );
}

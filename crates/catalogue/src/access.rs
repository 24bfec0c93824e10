//! Who may do what. Every write of the catalogue asks here first; nothing else decides.
//!
//! Rules:
//! - an instance administrator (or the local operator, who holds the data directory) may do
//!   everything;
//! - an organisation's administrator manages its members and edits and publishes its datasets;
//! - an organisation's editor edits and publishes its datasets;
//! - a dataset is written by the members of its **publisher** (which may publish on behalf of
//!   another organisation, its producer).

use model::{OrganisationId, Role, User};
use store::Store;

use crate::error::{Error, Result};

/// Who performs an operation.
#[derive(Debug, Clone)]
pub enum Actor {
    /// The person running the command line on the machine that holds the data directory: they
    /// could edit the files directly, so they act as instance administrator.
    Operator,
    /// A signed-in user (web, API token).
    User(User),
}

impl Actor {
    /// The user behind the action, recorded in versions' history.
    pub fn user_id(&self) -> Option<model::UserId> {
        match self {
            Actor::Operator => None,
            Actor::User(user) => Some(user.id),
        }
    }

    fn is_instance_admin(&self) -> bool {
        match self {
            Actor::Operator => true,
            Actor::User(user) => user.is_admin,
        }
    }

    fn describe(&self) -> String {
        match self {
            Actor::Operator => "l'opérateur".to_owned(),
            Actor::User(user) => format!("« {} »", user.email),
        }
    }
}

/// Refuses unless the actor administers the whole instance.
pub fn require_instance_admin(actor: &Actor, action: &str) -> Result<()> {
    if actor.is_instance_admin() {
        return Ok(());
    }
    Err(Error::Forbidden(format!(
        "{action} est réservé aux administrateurs de l'instance ({} ne l'est pas)",
        actor.describe()
    )))
}

/// Refuses unless the actor holds `needed` (or a stronger role) in `organisation`.
pub fn require_role(
    store: &Store,
    actor: &Actor,
    organisation: OrganisationId,
    needed: Role,
    action: &str,
) -> Result<()> {
    let Actor::User(user) = actor else {
        return Ok(());
    };
    if user.is_admin {
        return Ok(());
    }
    let held = store
        .memberships_of_user(user.id)?
        .into_iter()
        .find(|membership| membership.organisation == organisation)
        .map(|membership| membership.role);
    if held.is_some_and(|role| satisfies(role, needed)) {
        return Ok(());
    }
    let needed_fr = match needed {
        Role::Admin => "administrateur",
        Role::Editor => "éditeur ou administrateur",
    };
    Err(Error::Forbidden(format!(
        "{action} demande le rôle {needed_fr} dans l'organisation, que {} n'a pas",
        actor.describe()
    )))
}

/// An administrator can do everything an editor can.
fn satisfies(held: Role, needed: Role) -> bool {
    held == Role::Admin || held == needed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_covers_editor_but_not_the_reverse() {
        assert!(satisfies(Role::Admin, Role::Editor));
        assert!(satisfies(Role::Admin, Role::Admin));
        assert!(satisfies(Role::Editor, Role::Editor));
        assert!(!satisfies(Role::Editor, Role::Admin));
    }
}

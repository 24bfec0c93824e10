//! Users, their roles in organisations, and API tokens.

use jiff::Timestamp;

use crate::codes::code_enum;
use crate::{ApiTokenId, OrganisationId, UserId};

code_enum!(
    /// A user's role within one organisation.
    Role, "rôle" {
        /// Manages the organisation, its members and its datasets.
        Admin = "admin",
        /// Edits and publishes the organisation's datasets.
        Editor = "editor",
    }
);

/// What is needed to create a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Unique, compared case-insensitively.
    pub email: String,
    pub display_name: String,
    /// An argon2 PHC string computed by the caller; `None` for accounts that cannot log in yet.
    pub password_hash: Option<String>,
    /// Instance administrators may do everything everywhere.
    pub is_admin: bool,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub created_at: Timestamp,
}

/// A user's role in an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub user: UserId,
    pub organisation: OrganisationId,
    pub role: Role,
}

/// What is needed to create an API token. The token itself is shown once to its owner and never
/// stored: only its hash is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub user: UserId,
    /// A hash of the secret (the caller chooses the algorithm; lookups are by exact hash).
    pub token_hash: String,
    pub label: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<Timestamp>,
}

/// A stored API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub user: UserId,
    pub token_hash: String,
    pub label: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A signed-in browser session. The secret (the cookie's value) is never stored: only its hash,
/// so a copy of the database does not let anyone sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// A hash of the cookie's secret; lookups are by exact hash.
    pub token_hash: String,
    pub user: UserId,
    /// Sent back in a hidden field of every form of the session and compared on every POST.
    pub csrf_token: String,
    pub created_at: Timestamp,
    /// The last request seen (updated at most every few minutes, not on every request).
    pub last_seen_at: Timestamp,
    /// After this moment the session is refused (moved forward by activity, never beyond the
    /// absolute limit chosen when it was opened).
    pub expires_at: Timestamp,
}

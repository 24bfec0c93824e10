//! The catalogue's errors: the caller's mistakes (refused, not found, invalid, conflict)
//! apart from our own failures (storage). Messages are in French: they reach users.

/// Everything a catalogue operation can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The actor lacks the role the operation needs.
    #[error("action refusée : {0}")]
    Forbidden(String),
    /// The thing named does not exist.
    #[error("{0} introuvable")]
    NotFound(String),
    /// The request is malformed (bad SIREN, unknown schema, unreadable descriptor...).
    #[error("{0}")]
    Invalid(String),
    /// A uniqueness rule forbids it (slug or SIREN already taken...).
    #[error("{0}")]
    Conflict(String),
    /// Wrong credentials (sign-in, current password).
    #[error("{0}")]
    Unauthenticated(String),
    /// The store failed.
    #[error("stockage : {0}")]
    Store(store::Error),
    /// Another of our own failures (the system's random generator...).
    #[error("erreur interne : {0}")]
    Internal(String),
}

impl From<store::Error> for Error {
    fn from(error: store::Error) -> Self {
        match error {
            store::Error::NotFound(what) => Error::NotFound(what),
            store::Error::Conflict(why) => Error::Conflict(why),
            store::Error::Invalid(why) => Error::Invalid(why),
            other => Error::Store(other),
        }
    }
}

impl Error {
    /// True when the caller, not Socle, is at fault (exit status 2 vs an internal failure).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Error::Store(_) | Error::Internal(_))
    }
}

/// Shorthand for the catalogue's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! API tokens: random secrets shown once to their owner, stored only as a SHA-256 hash.
//!
//! A token acts as its user: the catalogue service checks that user's roles (instance
//! administrator, organisation administrator or editor) on every write, so a token's scope is
//! exactly its user's roles at the time of the request. SHA-256 (not a slow password hash) is
//! enough because the secret is 256 random bits, not a password a person chose; and a fast,
//! deterministic hash is what lets the store look a token up by its hash.

use jiff::Timestamp;
use model::{ApiToken, NewApiToken, User};
use sha2::{Digest, Sha256};
use store::Store;

use crate::error::{ApiError, ApiResult};

/// Every token starts with this, so that secret scanners and people can recognise one.
pub const PREFIX: &str = "socle_";

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("générateur aléatoire du système indisponible : {0}")]
    Random(String),
    #[error("durée de validité trop longue : {0} jours")]
    TooLong(u32),
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// A new random secret: the prefix and 64 hexadecimal digits (256 bits).
pub fn generate() -> Result<String, TokenError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| TokenError::Random(error.to_string()))?;
    let mut secret = String::with_capacity(PREFIX.len() + 64);
    secret.push_str(PREFIX);
    for byte in bytes {
        secret.push_str(&format!("{byte:02x}"));
    }
    Ok(secret)
}

/// The moment `days` days from now (a token's expiry).
pub fn expiry_after_days(days: u32) -> Result<Timestamp, TokenError> {
    let span = jiff::SignedDuration::from_hours(i64::from(days) * 24);
    Timestamp::now()
        .checked_add(span)
        .map_err(|_| TokenError::TooLong(days))
}

/// The stored form of a secret: lower-case hexadecimal SHA-256.
pub fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Creates a token for `user` and returns its secret (to show once) with the stored record.
///
/// Tokens are credentials, not catalogue content: they are written to the store directly,
/// by the user's own request or by the operator (`socle token create`).
pub fn create(
    store: &Store,
    user: &User,
    label: &str,
    expires_at: Option<Timestamp>,
) -> Result<(String, ApiToken), TokenError> {
    let secret = generate()?;
    let token = store.create_api_token(&NewApiToken {
        user: user.id,
        token_hash: hash(&secret),
        label: label.to_owned(),
        scopes: Vec::new(),
        expires_at,
    })?;
    Ok((secret, token))
}

/// The user a secret belongs to, if the token exists and has not expired.
pub(crate) fn authenticate(store: &Store, secret: &str) -> ApiResult<User> {
    let refused = || {
        ApiError::unauthorized(
            "jeton d'API inconnu ou expiré",
            "unknown or expired API token",
        )
    };
    let token = store
        .api_token_by_hash(&hash(secret))?
        .ok_or_else(refused)?;
    if token
        .expires_at
        .is_some_and(|expiry| expiry <= Timestamp::now())
    {
        return Err(refused());
    }
    store.user(token.user)?.ok_or_else(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let first = generate().unwrap();
        let second = generate().unwrap();
        assert_ne!(first, second);
        assert!(first.starts_with(PREFIX));
        assert_eq!(first.len(), PREFIX.len() + 64);
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

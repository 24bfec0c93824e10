//! Accounts: passwords (Argon2id) and browser sessions.
//!
//! Passwords are stored as Argon2id PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`): each
//! carries its own salt and parameters, so stronger parameters later still verify old hashes.
//! A user changes their own password (knowing the current one); an instance administrator resets
//! anyone's. Either way every open session of that user is revoked.
//!
//! Sessions live in the store, not in a server's memory, so that several stateless servers share
//! them. The cookie holds a random 256-bit secret; the store keeps only its SHA-256 (a fast hash
//! is enough for 256 random bits, and it allows lookups by hash). Each session has its own random
//! CSRF token that every form sends back. A session expires after a period without activity
//! ([`SessionPolicy::idle`]) and in any case after [`SessionPolicy::max_age`].

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jiff::{SignedDuration, Timestamp};
use model::{NewUser, Session, User};
use sha2::{Digest, Sha256};

use crate::access::{Actor, require_instance_admin};
use crate::error::{Error, Result};
use crate::service::Catalogue;

/// The shortest password accepted, in characters (ANSSI's guidance for passwords alone is
/// longer; ten keeps a commune agent's passphrase possible while refusing the worst ones).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Longest password accepted: Argon2 hashes anything, but a megabyte "password" is an attack.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Activity is written to the store at most this often, not on every request.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long is refused.
    pub idle: SignedDuration,
    /// A session older than this is refused, however active.
    pub max_age: SignedDuration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: SignedDuration::from_hours(8),
            max_age: SignedDuration::from_hours(7 * 24),
        }
    }
}

/// A session just opened: the secret goes into the cookie and is never seen again.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub secret: String,
    pub session: Session,
    pub user: User,
}

/// The session a cookie names, with its user.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub user: User,
}

impl SignedIn {
    /// The actor for the catalogue service.
    pub fn actor(&self) -> Actor {
        Actor::User(self.user.clone())
    }
}

/// The Argon2id PHC string of a password, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String> {
    check_password_rules(password)?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|error| {
            Error::Internal(format!("calcul de l'empreinte du mot de passe : {error}"))
        })?;
    Ok(hash.to_string())
}

/// True when `password` is the one `phc` was computed from. A malformed stored hash never
/// matches.
pub fn password_matches(phc: &str, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Refuses passwords that are too short or absurdly long, with a message for the user.
pub fn check_password_rules(password: &str) -> Result<()> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères (il en a {length})"
        )));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "le mot de passe ne peut dépasser {MAX_PASSWORD_CHARS} caractères"
        )));
    }
    Ok(())
}

/// The stored form of a session secret: lower-case hexadecimal SHA-256.
pub fn secret_hash(secret: &str) -> String {
    to_hex(&Sha256::digest(secret.as_bytes()))
}

/// 256 random bits from the operating system, as 64 hexadecimal digits.
pub fn random_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| {
        Error::Internal(format!(
            "générateur aléatoire du système indisponible : {error}"
        ))
    })?;
    Ok(to_hex(&bytes))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The one message for every failed sign-in: it does not tell whether the address exists.
fn wrong_credentials() -> Error {
    Error::Unauthenticated("adresse électronique ou mot de passe incorrect".to_owned())
}

impl Catalogue {
    /// Sets `user`'s password without knowing the old one: instance administrators only (the
    /// operator's `socle user passwd`, the administration pages). Revokes the user's sessions.
    pub fn reset_password(&self, actor: &Actor, user: &User, password: &str) -> Result<User> {
        require_instance_admin(actor, "la réinitialisation d'un mot de passe")?;
        self.store_password(user, password)
    }

    /// A signed-in user changes their own password, proving they know the current one.
    /// Revokes every session of theirs, this one included (the caller opens a new one).
    pub fn change_own_password(
        &self,
        actor: &Actor,
        current: &str,
        password: &str,
    ) -> Result<User> {
        let Actor::User(user) = actor else {
            return Err(Error::Forbidden(
                "seul un compte connecté change son propre mot de passe".to_owned(),
            ));
        };
        let stored = self
            .store()
            .user(user.id)?
            .ok_or_else(|| Error::NotFound(format!("compte « {} »", user.email)))?;
        let knows_current = stored
            .password_hash
            .as_deref()
            .is_some_and(|phc| password_matches(phc, current));
        if !knows_current {
            return Err(Error::Unauthenticated(
                "le mot de passe actuel est incorrect".to_owned(),
            ));
        }
        self.store_password(&stored, password)
    }

    fn store_password(&self, user: &User, password: &str) -> Result<User> {
        let phc = hash_password(password)?;
        let updated = self.store().update_user(
            user.id,
            &NewUser {
                email: user.email.clone(),
                display_name: user.display_name.clone(),
                password_hash: Some(phc),
                is_admin: user.is_admin,
            },
        )?;
        self.store().delete_sessions_of_user(user.id)?;
        Ok(updated)
    }

    /// Checks an e-mail address and password and opens a session. Every failure (unknown
    /// address, account without password, wrong password) gives the same error, after the same
    /// amount of work, so that it does not reveal which addresses have accounts.
    pub fn sign_in(
        &self,
        email: &str,
        password: &str,
        policy: &SessionPolicy,
    ) -> Result<OpenedSession> {
        let user = self.store().user_by_email(email.trim())?;
        let phc = user.as_ref().and_then(|user| user.password_hash.as_deref());
        let matches = match phc {
            Some(phc) => password_matches(phc, password),
            None => {
                // Same cost as a real check, so timing does not reveal unknown addresses.
                password_matches(decoy_hash(), password);
                false
            }
        };
        let (true, Some(user)) = (matches, user) else {
            return Err(wrong_credentials());
        };
        self.open_session(user, policy)
    }

    fn open_session(&self, user: User, policy: &SessionPolicy) -> Result<OpenedSession> {
        let secret = random_secret()?;
        let now = Timestamp::now();
        // Signing in is rare enough to tidy up then: expired sessions do not pile up.
        self.store().delete_expired_sessions(now)?;
        let session = Session {
            token_hash: secret_hash(&secret),
            user: user.id,
            csrf_token: random_secret()?,
            created_at: now,
            last_seen_at: now,
            expires_at: expiry(now, now, policy),
        };
        self.store().create_session(&session)?;
        Ok(OpenedSession {
            secret,
            session,
            user,
        })
    }

    /// The live session a cookie's secret names, or `None` (unknown, expired, revoked). Records
    /// activity, which moves the idle expiry forward.
    pub fn session(&self, secret: &str, policy: &SessionPolicy) -> Result<Option<SignedIn>> {
        let hash = secret_hash(secret);
        let Some(mut session) = self.store().session_by_hash(&hash)? else {
            return Ok(None);
        };
        let now = Timestamp::now();
        if session.expires_at <= now {
            self.store().delete_session(&hash)?;
            return Ok(None);
        }
        let Some(user) = self.store().user(session.user)? else {
            return Ok(None);
        };
        if now.duration_since(session.last_seen_at) >= TOUCH_EVERY {
            session.last_seen_at = now;
            session.expires_at = expiry(session.created_at, now, policy);
            self.store()
                .touch_session(&hash, session.last_seen_at, session.expires_at)?;
        }
        Ok(Some(SignedIn { session, user }))
    }

    /// Ends the session a cookie's secret names (nothing happens if it is already gone).
    pub fn sign_out(&self, secret: &str) -> Result<()> {
        self.store().delete_session(&secret_hash(secret))?;
        Ok(())
    }

    /// Removes expired sessions from the store; returns how many.
    pub fn purge_expired_sessions(&self) -> Result<u64> {
        Ok(self.store().delete_expired_sessions(Timestamp::now())?)
    }
}

/// The idle expiry from `now`, never beyond the absolute limit from `created`.
fn expiry(created: Timestamp, now: Timestamp, policy: &SessionPolicy) -> Timestamp {
    let idle = now.saturating_add(policy.idle).unwrap_or(now);
    let absolute = created.saturating_add(policy.max_age).unwrap_or(created);
    idle.min(absolute)
}

/// A valid hash of no one's password, checked when the address is unknown.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("mot de passe leurre jamais attribué").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_argon2id_and_verify() {
        let first = hash_password("correct cheval pile agrafe").unwrap();
        let second = hash_password("correct cheval pile agrafe").unwrap();
        assert!(first.starts_with("$argon2id$v=19$"), "{first}");
        assert_ne!(first, second, "each hash has its own salt");
        assert!(password_matches(&first, "correct cheval pile agrafe"));
        assert!(password_matches(&second, "correct cheval pile agrafe"));
        assert!(!password_matches(&first, "correct cheval pile agrafE"));
        assert!(!password_matches(
            "pas une empreinte",
            "correct cheval pile agrafe"
        ));
    }

    #[test]
    fn short_and_huge_passwords_are_refused_in_french() {
        let error = hash_password("court").unwrap_err().to_string();
        assert!(error.contains("au moins 10 caractères"), "{error}");
        assert!(hash_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
        // Characters, not bytes: ten accented letters are enough.
        assert!(check_password_rules("éééééééééé").is_ok());
    }

    #[test]
    fn expiry_slides_but_never_passes_the_absolute_limit() {
        let policy = SessionPolicy {
            idle: SignedDuration::from_hours(1),
            max_age: SignedDuration::from_hours(3),
        };
        let created = Timestamp::from_second(1_000_000).unwrap();
        let hours = |n: i64| SignedDuration::from_hours(n);
        assert_eq!(expiry(created, created, &policy), created + hours(1));
        let later = created + hours(1);
        assert_eq!(expiry(created, later, &policy), later + hours(1));
        let much_later = created + hours(2) + SignedDuration::from_mins(30);
        assert_eq!(expiry(created, much_later, &policy), created + hours(3));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let first = random_secret().unwrap();
        assert_eq!(first.len(), 64);
        assert_ne!(first, random_secret().unwrap());
        assert_eq!(
            secret_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

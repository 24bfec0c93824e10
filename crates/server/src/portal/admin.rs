//! The instance administrators' pages (`/admin`): organisations, accounts, roles, password
//! resets and API tokens. Every action goes through the catalogue service with the signed-in
//! user as actor, which refuses it unless they administer the instance (or, for roles, the
//! organisation).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};
use catalogue::access::require_instance_admin;
use catalogue::{Actor, Catalogue, SignedIn};
use model::{NewOrganisation, NewUser, OrganisationKind, Role, Siren};
use serde::{Deserialize, Serialize};

use super::Nav;
use super::auth::{Answer, Me, check_csrf, role_fr, signed_in_or_redirect};
use crate::sessions::Visitor;
use crate::state::AppState;
use crate::tokens;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(page))
        .route("/admin/organisations", post(add_organisation))
        .route("/admin/comptes", post(add_user))
        .route("/admin/roles", post(grant))
        .route("/admin/mot-de-passe", post(reset_password))
        .route("/admin/jetons", post(create_token))
        .route("/admin/jetons/revoquer", post(revoke_token))
}

#[derive(Serialize)]
struct AdminView {
    me: Me,
    message: Option<String>,
    error: Option<String>,
    /// A token just created, shown once.
    secret: Option<String>,
    organisations: Vec<OrganisationRow>,
    users: Vec<UserRow>,
    kinds: Vec<&'static str>,
}

#[derive(Serialize)]
struct OrganisationRow {
    name: String,
    siren: String,
    kind: &'static str,
    members: Vec<String>,
}

#[derive(Serialize)]
struct UserRow {
    email: String,
    name: String,
    is_admin: bool,
    can_sign_in: bool,
    roles: Vec<String>,
    tokens: Vec<TokenRow>,
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    label: String,
    expires: String,
}

async fn page(State(state): State<AppState>, visitor: Visitor) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, "/admin")?;
    require_instance_admin(&signed_in.actor(), "l'administration de la plateforme")?;
    render(&state, &signed_in, Outcome::default()).await
}

/// What the last action said.
#[derive(Default)]
struct Outcome {
    message: Option<String>,
    error: Option<String>,
    secret: Option<String>,
}

impl Outcome {
    fn of(result: catalogue::Result<String>) -> catalogue::Result<Outcome> {
        match result {
            Ok(message) => Ok(Outcome {
                message: Some(message),
                ..Outcome::default()
            }),
            // The administrator's mistakes are shown on the page; our failures are errors.
            Err(error)
                if error.is_user_error() && !matches!(error, catalogue::Error::Forbidden(_)) =>
            {
                Ok(Outcome {
                    error: Some(error.to_string()),
                    ..Outcome::default()
                })
            }
            Err(error) => Err(error),
        }
    }
}

async fn render(state: &AppState, signed_in: &SignedIn, outcome: Outcome) -> Answer {
    let (organisations, users) = state.blocking(|catalogue| Ok(listing(catalogue)?)).await?;
    let status = if outcome.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let view = AdminView {
        me: Me::of(signed_in),
        message: outcome.message,
        error: outcome.error,
        secret: outcome.secret,
        organisations,
        users,
        kinds: OrganisationKind::ALL
            .iter()
            .map(|kind| kind.as_str())
            .collect(),
    };
    let page = state.portal.render("admin.html", Nav::None, &view)?;
    Ok((status, page).into_response())
}

fn listing(catalogue: &Catalogue) -> catalogue::Result<(Vec<OrganisationRow>, Vec<UserRow>)> {
    let store = catalogue.store();
    let organisations = store.list_organisations()?;
    let users = store.list_users()?;
    let email_of = |id: model::UserId| {
        users
            .iter()
            .find(|user| user.id == id)
            .map_or_else(String::new, |user| user.email.clone())
    };
    let mut organisation_rows = Vec::new();
    for organisation in &organisations {
        let members = store
            .members_of_organisation(organisation.id)?
            .into_iter()
            .map(|membership| {
                format!(
                    "{} ({})",
                    email_of(membership.user),
                    role_fr(membership.role)
                )
            })
            .collect();
        organisation_rows.push(OrganisationRow {
            name: organisation.name.clone(),
            siren: organisation.siren.to_string(),
            kind: organisation.kind.as_str(),
            members,
        });
    }
    let mut user_rows = Vec::new();
    for user in &users {
        let roles = store
            .memberships_of_user(user.id)?
            .into_iter()
            .map(|membership| {
                let name = organisations
                    .iter()
                    .find(|organisation| organisation.id == membership.organisation)
                    .map_or_else(String::new, |organisation| organisation.name.clone());
                format!("{} de {name}", role_fr(membership.role))
            })
            .collect();
        let tokens = store
            .api_tokens_of_user(user.id)?
            .into_iter()
            .map(|token| TokenRow {
                id: token.id.0,
                label: token.label,
                expires: token.expires_at.map_or_else(
                    || "jamais".to_owned(),
                    |at| at.strftime("%d/%m/%Y").to_string(),
                ),
            })
            .collect();
        user_rows.push(UserRow {
            email: user.email.clone(),
            name: user.display_name.clone(),
            is_admin: user.is_admin,
            can_sign_in: user.password_hash.is_some(),
            roles,
            tokens,
        });
    }
    Ok((organisation_rows, user_rows))
}

/// Runs one administrative action and shows the page again with what it said.
async fn act(
    state: AppState,
    visitor: Visitor,
    csrf: &str,
    action: impl FnOnce(&Catalogue, &Actor) -> catalogue::Result<Outcome> + Send + 'static,
) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, "/admin")?;
    check_csrf(&signed_in, csrf)?;
    let actor = signed_in.actor();
    let outcome = state
        .blocking(move |catalogue| Ok(action(catalogue, &actor)?))
        .await?;
    render(&state, &signed_in, outcome).await
}

fn invalid(error: impl std::fmt::Display) -> catalogue::Error {
    catalogue::Error::Invalid(error.to_string())
}

#[derive(Deserialize)]
struct OrganisationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    siren: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

async fn add_organisation(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<OrganisationForm>,
) -> Answer {
    let csrf = form.csrf.clone();
    act(state, visitor, &csrf, move |catalogue, actor| {
        Outcome::of((|| {
            let new = NewOrganisation {
                siren: Siren::parse(form.siren.trim()).map_err(invalid)?,
                name: form.name.trim().to_owned(),
                kind: OrganisationKind::parse(&form.kind).map_err(invalid)?,
                territory: None,
                contact_email: None,
                logo_url: None,
            };
            let organisation = catalogue.add_organisation(actor, &new)?;
            Ok(format!("Organisation ajoutée : {}.", organisation.name))
        })())
    })
    .await
}

#[derive(Deserialize)]
struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    admin: Option<String>,
    #[serde(default)]
    password: String,
}

async fn add_user(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<UserForm>,
) -> Answer {
    let csrf = form.csrf.clone();
    act(state, visitor, &csrf, move |catalogue, actor| {
        Outcome::of((|| {
            let email = form.email.trim().to_owned();
            if !email.contains('@') {
                return Err(invalid(format!(
                    "adresse électronique invalide : « {email} »"
                )));
            }
            if !form.password.is_empty() {
                catalogue::accounts::check_password_rules(&form.password)?;
            }
            let name = form.name.trim();
            let user = catalogue.add_user(
                actor,
                &NewUser {
                    email: email.clone(),
                    display_name: if name.is_empty() {
                        email.clone()
                    } else {
                        name.to_owned()
                    },
                    password_hash: None,
                    is_admin: form.admin.is_some(),
                },
            )?;
            if !form.password.is_empty() {
                catalogue.reset_password(actor, &user, &form.password)?;
            }
            Ok(format!("Compte créé : {}.", user.email))
        })())
    })
    .await
}

#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    siren: String,
    #[serde(default)]
    role: String,
}

async fn grant(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<GrantForm>,
) -> Answer {
    let csrf = form.csrf.clone();
    act(state, visitor, &csrf, move |catalogue, actor| {
        Outcome::of((|| {
            let user = catalogue.user_by_email(form.email.trim())?;
            let organisation = catalogue
                .organisation_by_siren(&Siren::parse(form.siren.trim()).map_err(invalid)?)?;
            let role = match form.role.as_str() {
                "none" => None,
                other => Some(Role::parse(other).map_err(invalid)?),
            };
            catalogue.grant(actor, &user, &organisation, role)?;
            Ok(match role {
                Some(role) => format!(
                    "{} est désormais {} de {}.",
                    user.email,
                    role_fr(role),
                    organisation.name
                ),
                None => format!(
                    "{} n'a plus de rôle dans {}.",
                    user.email, organisation.name
                ),
            })
        })())
    })
    .await
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<ResetForm>,
) -> Answer {
    let csrf = form.csrf.clone();
    act(state, visitor, &csrf, move |catalogue, actor| {
        Outcome::of((|| {
            let user = catalogue.user_by_email(form.email.trim())?;
            catalogue.reset_password(actor, &user, &form.password)?;
            Ok(format!(
                "Mot de passe de {} réinitialisé ; ses sessions ouvertes sont fermées. Transmettez-le-lui par un canal sûr.",
                user.email
            ))
        })())
    })
    .await
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    label: String,
    days: Option<String>,
}

async fn create_token(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<TokenForm>,
) -> Answer {
    let csrf = form.csrf.clone();
    act(state, visitor, &csrf, move |catalogue, actor| {
        // Tokens are credentials kept by the server; who may create them is the catalogue's call.
        require_instance_admin(actor, "la création d'un jeton d'API")?;
        let created = (|| {
            let user = catalogue.user_by_email(form.email.trim())?;
            let expires_at = match form.days.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(days) => {
                    let days: u32 = days
                        .parse()
                        .map_err(|_| invalid(format!("durée en jours invalide : « {days} »")))?;
                    Some(tokens::expiry_after_days(days).map_err(invalid)?)
                }
            };
            let (secret, _) = tokens::create(catalogue.store(), &user, form.label.trim(), expires_at)
                .map_err(invalid)?;
            Ok((user.email, secret))
        })();
        Ok(match created {
            Ok((email, secret)) => Outcome {
                message: Some(format!(
                    "Jeton créé pour {email}. Copiez-le maintenant : il ne sera plus jamais affiché."
                )),
                secret: Some(secret),
                error: None,
            },
            Err(error) => Outcome::of(Err(error))?,
        })
    })
    .await
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: i64,
}

async fn revoke_token(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<RevokeForm>,
) -> Answer {
    let csrf = form.csrf.clone();
    act(state, visitor, &csrf, move |catalogue, actor| {
        require_instance_admin(actor, "la révocation d'un jeton d'API")?;
        Outcome::of(
            catalogue
                .store()
                .delete_api_token(model::ApiTokenId(form.id))
                .map(|()| format!("Jeton {} révoqué.", form.id))
                .map_err(catalogue::Error::from),
        )
    })
    .await
}

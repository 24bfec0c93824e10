//! Sign-in (`/connexion`), sign-out (`/deconnexion`) and the account page (`/compte`), plus
//! what every page behind a sign-in shares: [`signed_in_or_redirect`], CSRF checks
//! ([`check_csrf`]) and the [`Me`] box of the header.
//!
//! Passwords and sessions are the catalogue's (`catalogue::accounts`); this module only moves
//! them between forms and cookies (`crate::sessions`).

use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use catalogue::SignedIn;
use serde::{Deserialize, Serialize};

use super::{Nav, PortalError};
use crate::error::ApiError;
use crate::sessions::{self, LOGIN_CSRF_COOKIE, SESSION_COOKIE, Visitor};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/connexion", get(sign_in_page).post(sign_in))
        .route("/deconnexion", post(sign_out))
        .route("/compte", get(account_page))
        .route("/compte/mot-de-passe", post(change_password))
}

/// Why a page behind a sign-in is not shown: an error page, or the sign-in form first.
pub(crate) enum Refusal {
    Page(PortalError),
    /// Not signed in (or the session ended): sign in, then come back to this address.
    SignIn(String),
}

pub(crate) type Answer = Result<Response, Refusal>;

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(error) => error.into_response(),
            Refusal::SignIn(back) => {
                Redirect::to(&format!("/connexion?suite={}", encode(&back))).into_response()
            }
        }
    }
}

impl From<PortalError> for Refusal {
    fn from(error: PortalError) -> Refusal {
        Refusal::Page(error)
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Refusal {
        Refusal::Page(error.into())
    }
}

impl From<catalogue::Error> for Refusal {
    fn from(error: catalogue::Error) -> Refusal {
        Refusal::Page(error.into())
    }
}

/// The signed-in user, or a redirection to the sign-in form that comes back to `back`.
pub(crate) fn signed_in_or_redirect(visitor: &Visitor, back: &str) -> Result<SignedIn, Refusal> {
    visitor
        .signed_in()
        .cloned()
        .ok_or_else(|| Refusal::SignIn(back.to_owned()))
}

/// Refuses a form whose CSRF token is not the session's (a page of another site, or a form
/// left open across a sign-out): 403 with a French page.
pub(crate) fn check_csrf(signed_in: &SignedIn, submitted: &str) -> Result<(), Refusal> {
    if sessions::same_secret(&signed_in.session.csrf_token, submitted) {
        return Ok(());
    }
    Err(csrf_refusal())
}

fn csrf_refusal() -> Refusal {
    Refusal::Page(PortalError::from(ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "Ce formulaire a expiré ou ne vient pas de ce site (jeton de sécurité absent ou incorrect). Rechargez la page et recommencez.",
        "This form expired or does not come from this site (missing or wrong security token). Reload the page and try again.",
    )))
}

/// The signed-in user as the header shows them, with the token the sign-out form needs.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Me {
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub csrf: String,
}

impl Me {
    pub(crate) fn of(signed_in: &SignedIn) -> Me {
        Me {
            email: signed_in.user.email.clone(),
            name: signed_in.user.display_name.clone(),
            is_admin: signed_in.user.is_admin,
            csrf: signed_in.session.csrf_token.clone(),
        }
    }
}

/// Percent-encoding of a query parameter's value.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(byte))
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Where to go after signing in: only a path of this site (never `//other.site` or a URL).
fn safe_destination(suite: Option<&str>) -> String {
    match suite {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/compte".to_owned(),
    }
}

// ---- Sign-in ----

#[derive(Deserialize)]
struct SignInQuery {
    suite: Option<String>,
}

#[derive(Serialize)]
struct SignInView {
    csrf: String,
    suite: String,
    email: String,
    error: Option<String>,
}

async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Answer {
    let view = SignInView {
        csrf: catalogue::accounts::random_secret()?,
        suite: safe_destination(query.suite.as_deref()),
        email: String::new(),
        error: None,
    };
    sign_in_form(&state, &headers, StatusCode::OK, view)
}

/// The form, with a fresh double-submit token in a cookie and in the form.
fn sign_in_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    view: SignInView,
) -> Answer {
    let page = state.portal.render("connexion.html", Nav::None, &view)?;
    let secure = sessions::secure(&state.config, headers);
    let cookie = sessions::set_cookie(LOGIN_CSRF_COOKIE, &view.csrf, secure, Some(3600));
    Ok((status, [(header::SET_COOKIE, cookie)], page).into_response())
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    suite: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Answer {
    let expected = sessions::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !sessions::same_secret(expected, &form.csrf) {
        return Err(csrf_refusal());
    }
    let policy = sessions::policy(&state.config);
    let (email, password) = (form.email.clone(), form.password.clone());
    let opened = state
        .blocking(move |catalogue| Ok(catalogue.sign_in(&email, &password, &policy)))
        .await?;
    let destination = safe_destination(form.suite.as_deref());
    match opened {
        Ok(opened) => {
            let secure = sessions::secure(&state.config, &headers);
            let mut response = Redirect::to(&destination).into_response();
            let cookies = response.headers_mut();
            cookies.append(
                header::SET_COOKIE,
                sessions::set_cookie(SESSION_COOKIE, &opened.secret, secure, None),
            );
            cookies.append(
                header::SET_COOKIE,
                sessions::set_cookie(LOGIN_CSRF_COOKIE, "", secure, Some(0)),
            );
            Ok(response)
        }
        Err(catalogue::Error::Unauthenticated(message)) => {
            let view = SignInView {
                csrf: catalogue::accounts::random_secret()?,
                suite: destination,
                email: form.email,
                error: Some(message),
            };
            sign_in_form(&state, &headers, StatusCode::UNAUTHORIZED, view)
        }
        Err(other) => Err(other.into()),
    }
}

// ---- Sign-out ----

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Answer {
    let secure = sessions::secure(&state.config, &headers);
    if let Some(signed_in) = visitor.signed_in() {
        check_csrf(signed_in, &form.csrf)?;
        if let Some(secret) = sessions::cookie(&headers, SESSION_COOKIE).map(str::to_owned) {
            state
                .blocking(move |catalogue| Ok(catalogue.sign_out(&secret)?))
                .await?;
        }
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        sessions::set_cookie(SESSION_COOKIE, "", secure, Some(0)),
    );
    Ok(response)
}

// ---- The account page ----

#[derive(Serialize)]
struct AccountView {
    me: Me,
    memberships: Vec<MembershipView>,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct MembershipView {
    organisation: String,
    siren: String,
    role: &'static str,
}

#[derive(Deserialize)]
struct AccountQuery {
    fait: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<AccountQuery>,
) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, "/compte")?;
    let message = (query.fait.as_deref() == Some("mot-de-passe"))
        .then(|| "Votre mot de passe est changé ; vos autres sessions sont fermées.".to_owned());
    account(&state, &signed_in, StatusCode::OK, message, None).await
}

async fn account(
    state: &AppState,
    signed_in: &SignedIn,
    status: StatusCode,
    message: Option<String>,
    error: Option<String>,
) -> Answer {
    let user = signed_in.user.id;
    let memberships = state
        .blocking(move |catalogue| {
            let store = catalogue.store();
            let mut views = Vec::new();
            for membership in store.memberships_of_user(user)? {
                if let Some(organisation) = store.organisation(membership.organisation)? {
                    views.push(MembershipView {
                        organisation: organisation.name,
                        siren: organisation.siren.to_string(),
                        role: role_fr(membership.role),
                    });
                }
            }
            Ok(views)
        })
        .await?;
    let view = AccountView {
        me: Me::of(signed_in),
        memberships,
        message,
        error,
    };
    let page = state.portal.render("compte.html", Nav::None, &view)?;
    Ok((status, page).into_response())
}

pub(crate) fn role_fr(role: model::Role) -> &'static str {
    match role {
        model::Role::Admin => "administrateur",
        model::Role::Editor => "éditeur",
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

async fn change_password(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, "/compte")?;
    check_csrf(&signed_in, &form.csrf)?;
    if form.password != form.confirmation {
        let error = "Les deux saisies du nouveau mot de passe diffèrent.".to_owned();
        return account(
            &state,
            &signed_in,
            StatusCode::BAD_REQUEST,
            None,
            Some(error),
        )
        .await;
    }
    let actor = signed_in.actor();
    let policy = sessions::policy(&state.config);
    let outcome = state
        .blocking(move |catalogue| {
            let changed = catalogue.change_own_password(&actor, &form.current, &form.password);
            // Every session was revoked, this one too: open a new one for this browser.
            Ok(changed.and_then(|user| catalogue.sign_in(&user.email, &form.password, &policy)))
        })
        .await?;
    match outcome {
        Ok(opened) => {
            let secure = sessions::secure(&state.config, &headers);
            let mut response = Redirect::to("/compte?fait=mot-de-passe").into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                sessions::set_cookie(SESSION_COOKIE, &opened.secret, secure, None),
            );
            Ok(response)
        }
        Err(catalogue::Error::Unauthenticated(message) | catalogue::Error::Invalid(message)) => {
            account(
                &state,
                &signed_in,
                StatusCode::BAD_REQUEST,
                None,
                Some(message),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_stay_on_this_site() {
        assert_eq!(safe_destination(Some("/publier")), "/publier");
        assert_eq!(safe_destination(Some("//evil.example")), "/compte");
        assert_eq!(safe_destination(Some("https://evil.example")), "/compte");
        assert_eq!(safe_destination(Some("/\\evil.example")), "/compte");
        assert_eq!(safe_destination(None), "/compte");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("/publier?x=1&y=é"), "/publier%3Fx%3D1%26y%3D%C3%A9");
    }
}

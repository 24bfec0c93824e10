//! A server over a fresh data directory with organisations, users and tokens, and helpers to
//! call it in-process (`tower::ServiceExt::oneshot`).

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use catalogue::{Actor, Catalogue};
use http_body_util::BodyExt;
use model::{NewResource, NewUser, OrganisationKind, PublicationPolicy, Role, SchemaRef, Siren};
use serde_json::Value as Json;
use server::{AppState, Config};
use store::conformance::{
    SIREN_METROPOLE, SIREN_MONTPELLIER, TestBackend, TestEngine, new_dataset,
};
use tower::ServiceExt;

pub const MARCHES: &[u8] = include_bytes!("../data/exemple_marche_public.csv");

/// The published example with one date broken: a type error against its schema.
pub fn broken_marches() -> Vec<u8> {
    String::from_utf8(MARCHES.to_vec())
        .unwrap()
        .replacen("\"2017-07-26\"", "\"pas une date\"", 1)
        .into_bytes()
}

/// The fixture: Montpellier (SIREN_MONTPELLIER) publishes `marches-publics` (one strict
/// resource declaring `scdl-marches-publics@1.0`, nothing published yet) and a draft
/// `brouillon-interne`; Montpellier Méditerranée Métropole has no dataset.
pub struct Api {
    pub dir: tempfile::TempDir,
    pub catalogue: Catalogue,
    pub app: Router,
    /// Instance administrator.
    pub admin: String,
    /// Editor at Montpellier.
    pub editor: String,
    /// Editor at the Métropole only.
    pub outsider: String,
    pub resource: i64,
    /// The PostgreSQL schema, if any: dropped after the store.
    _backend: TestBackend,
}

/// Limits off, so that tests do not trip them by accident.
pub fn quiet_config() -> Config {
    Config {
        rate_limit_per_address: 0,
        rate_limit_per_token: 0,
        ..Config::default()
    }
}

pub fn api() -> Api {
    api_with(quiet_config())
}

pub fn api_with(config: Config) -> Api {
    api_with_on(config, TestEngine::Sqlite).expect("SQLite is always there")
}

/// The fixture on `engine`; `None` when PostgreSQL is unreachable outside CI.
pub fn api_on(engine: TestEngine) -> Option<Api> {
    api_with_on(quiet_config(), engine)
}

pub fn api_with_on(config: Config, engine: TestEngine) -> Option<Api> {
    blocking(|| {
        let backend = engine.backend()?;
        let dir = tempfile::tempdir().unwrap();
        let store = store::Store::open_with(dir.path(), backend.options.clone()).unwrap();
        Some(fixture(config, Catalogue::new(store), dir, backend))
    })
}

/// The fixture on SQLite with a store opened with `options` (blobs on object storage...).
pub fn api_with_options(config: Config, options: store::StoreOptions) -> Api {
    let mut backend = TestEngine::Sqlite
        .backend()
        .expect("SQLite is always there");
    backend.options = options;
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::open_with(dir.path(), backend.options.clone()).unwrap();
    fixture(config, Catalogue::new(store), dir, backend)
}

fn fixture(
    config: Config,
    catalogue: Catalogue,
    dir: tempfile::TempDir,
    backend: TestBackend,
) -> Api {
    let operator = Actor::Operator;
    let montpellier = catalogue
        .add_organisation(
            &operator,
            &organisation(
                SIREN_MONTPELLIER,
                "Ville de Montpellier",
                OrganisationKind::Commune,
            ),
        )
        .unwrap();
    let metropole = catalogue
        .add_organisation(
            &operator,
            &organisation(
                SIREN_METROPOLE,
                "Montpellier Méditerranée Métropole",
                OrganisationKind::Epci,
            ),
        )
        .unwrap();
    let token = |email: &str, admin: bool, role_at: Option<&model::Organisation>| {
        let user = catalogue
            .add_user(
                &operator,
                &NewUser {
                    email: email.to_owned(),
                    display_name: email.to_owned(),
                    password_hash: None,
                    is_admin: admin,
                },
            )
            .unwrap();
        if let Some(organisation) = role_at {
            catalogue
                .grant(&operator, &user, organisation, Some(Role::Editor))
                .unwrap();
        }
        server::tokens::create(catalogue.store(), &user, "tests", None)
            .unwrap()
            .0
    };
    let admin = token("admin@socle.test", true, None);
    let editor = token("editrice@montpellier.test", false, Some(&montpellier));
    let outsider = token("agent@metropole.test", false, Some(&metropole));
    let mut published = new_dataset("marches-publics", &montpellier, &montpellier);
    published.title = "Marchés publics de la Ville".to_owned();
    published.description = "Les marchés conclus par la commune, données essentielles.".to_owned();
    published.keywords = vec!["commande publique".to_owned()];
    let dataset = catalogue.create_dataset(&operator, &published).unwrap();
    let resource = catalogue
        .add_resource(
            &operator,
            &NewResource {
                dataset: dataset.id,
                title: "Marchés 2017".to_owned(),
                description: String::new(),
                format: "csv".to_owned(),
                schema: Some(SchemaRef {
                    name: "scdl-marches-publics".to_owned(),
                    version: "1.0".to_owned(),
                }),
                remote_url: None,
                policy: PublicationPolicy::Strict,
            },
        )
        .unwrap();
    let mut draft = new_dataset("brouillon-interne", &montpellier, &montpellier);
    draft.title = "Brouillon interne".to_owned();
    draft.state = model::DatasetState::Draft;
    catalogue.create_dataset(&operator, &draft).unwrap();
    let app = server::app(AppState::new(catalogue.clone(), config));
    Api {
        dir,
        catalogue,
        app,
        admin,
        editor,
        outsider,
        resource: resource.id.0,
        _backend: backend,
    }
}

fn organisation(siren: &str, name: &str, kind: OrganisationKind) -> model::NewOrganisation {
    model::NewOrganisation {
        siren: Siren::parse(siren).unwrap(),
        name: name.to_owned(),
        kind,
        territory: None,
        contact_email: None,
        logo_url: None,
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// `error.code` of an error body (and checks the body's shape).
    pub fn code(&self) -> String {
        let json = self.json();
        assert_eq!(json.as_object().map(|o| o.len()), Some(1), "{json}");
        json["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code: {json}"))
            .to_owned()
    }

    pub fn message(&self) -> String {
        self.json()["error"]["message"].as_str().unwrap().to_owned()
    }

    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Reply {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }
}

/// A request builder with the API's usual headers.
pub fn request(method: Method, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder
}

impl Api {
    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(&self.app, request).await
    }

    /// The versions of the fixture's resource, newest first, as the API lists them.
    pub async fn history(&self) -> Json {
        self.get(
            &format!("/api/v1/resources/{}/versions", self.resource),
            None,
        )
        .await
        .json()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(
            request(Method::GET, path, token)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn json(&self, method: Method, path: &str, token: Option<&str>, body: Json) -> Reply {
        self.send(
            request(method, path, token)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Uploads `bytes` as the raw body of a publication.
    pub async fn upload(
        &self,
        resource: i64,
        token: Option<&str>,
        file_name: &str,
        bytes: &[u8],
    ) -> Reply {
        self.send(
            request(
                Method::POST,
                &format!(
                    "/api/v1/resources/{resource}/versions?filename={}",
                    percent_encode(file_name)
                ),
                token,
            )
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(bytes.to_vec()))
            .unwrap(),
        )
        .await
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

/// Percent-encodes everything but unreserved characters (for query values).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// Runs store calls made by the test itself (not through the server) off the async thread:
/// the synchronous PostgreSQL client must not run on one. Needs the multi-threaded runtime
/// (`#[tokio::test(flavor = "multi_thread")]`, which [`on_every_engine`] uses).
/// On the current-thread runtime of plain `#[tokio::test]`s (SQLite only), `f` just runs.
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|handle| handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_thread {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

/// For each named `async fn name(engine: TestEngine)`, one test per engine (modules
/// `on_sqlite` and `on_postgres`), on the multi-threaded runtime (see [`blocking`]).
#[macro_export]
macro_rules! on_every_engine {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(store::conformance::TestEngine::Sqlite).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(store::conformance::TestEngine::Postgres).await;
                }
            )*
        }
    };
}

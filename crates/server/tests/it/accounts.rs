//! Signing in, sessions, CSRF, administration and the publishing wizard, in-process, as a
//! browser without JavaScript would use them (forms, cookies, redirections).

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use catalogue::Actor;
use http_body_util::BodyExt;
use server::Config;
use store::conformance::SIREN_MONTPELLIER;
use tower::ServiceExt;

use super::support::{Api, api, api_with, quiet_config};

const PASSWORD: &str = "une phrase de passe assez longue";

/// A browser: keeps cookies, follows nothing by itself.
struct Browser {
    app: Router,
    cookies: BTreeMap<String, String>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    body: String,
}

impl Page {
    #[track_caller]
    fn expect(self, status: StatusCode) -> Page {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }

    /// The CSRF token of the page's first form.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a CSRF token") + marker.len();
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_owned()
    }

    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect(name) + marker.len();
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_owned()
    }
}

impl Browser {
    fn new(app: &Router) -> Browser {
        Browser {
            app: app.clone(),
            cookies: BTreeMap::new(),
        }
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Page {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let request = request.header(header::COOKIE, cookie.join("; "));
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let set_cookies: Vec<String> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect();
        for set in &set_cookies {
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            location: headers
                .get(header::LOCATION)
                .map(|value| value.to_str().unwrap().to_owned()),
            set_cookies,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: Vec<String> = fields
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect();
        self.send(
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body.join("&")),
        )
        .await
    }

    async fn post_file(&mut self, path: &str, csrf: &str, file_name: &str, bytes: Vec<u8>) -> Page {
        let boundary = "----socle-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        self.send(
            Request::post(path).header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ),
            Body::from(body),
        )
        .await
    }

    /// Signs in through the form; returns the answer to the credentials.
    async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self
            .get("/connexion?suite=/publier")
            .await
            .expect(StatusCode::OK);
        let csrf = form.csrf();
        self.post_form(
            "/connexion",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", password),
                ("suite", "/publier"),
            ],
        )
        .await
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Gives every fixture account the same password.
fn with_passwords(api: &Api) {
    for email in [
        "admin@socle.test",
        "editrice@montpellier.test",
        "agent@metropole.test",
    ] {
        let user = api.catalogue.user_by_email(email).unwrap();
        api.catalogue
            .reset_password(&Actor::Operator, &user, PASSWORD)
            .unwrap();
    }
}

/// The columns of `scdl-subventions`, from the bundled schema itself.
fn subventions_header() -> Vec<String> {
    let bundled = catalogue::bundled::find("scdl-subventions").unwrap();
    let (schema, _) = catalogue::publish::parse_descriptor(bundled.descriptor).unwrap();
    schema
        .fields()
        .iter()
        .map(|field| field.name.clone())
        .collect()
}

/// An XLSX file as a commune agent makes it: French dates, decimal commas, a SIRET with
/// spaces, « Oui »/« Non », a trailing space.
fn xlsx_with_usual_mistakes() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows: [[&str; 16]; 3] = [
        [
            "Ville de Montpellier",
            "213 401 722 01787",
            "05/03/2026",
            "",
            "Association sportive",
            "21340172201787",
            "",
            "Soutien aux clubs",
            "1 500,50",
            "aide en numéraire",
            "unique",
            "2026-04-01",
            "",
            "Non",
            "1",
            "",
        ],
        [
            "Ville de Montpellier",
            "21340172201787",
            "2026-03-06",
            "",
            "Comité des fêtes",
            "21340172201787",
            "",
            "Fête de quartier",
            "800",
            "aide en numéraire ",
            "unique",
            "2026-04-01",
            "",
            "Oui",
            "0,5",
            "",
        ],
        [
            "Ville de Montpellier",
            "21340172201787",
            "31/03/2026",
            "",
            "Club de lecture",
            "21340172201787",
            "",
            "Achat de livres",
            "120,00",
            "aide en nature",
            "unique",
            "2026-04-01",
            "",
            "non",
            "1",
            "",
        ],
    ];
    for (column, label) in subventions_header().iter().enumerate() {
        sheet.write_string(0, column as u16, label).unwrap();
    }
    for (index, row) in rows.iter().enumerate() {
        for (column, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet
                    .write_string(index as u32 + 1, column as u16, *cell)
                    .unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_agent_publishes_an_xlsx_with_the_usual_mistakes_through_the_wizard() {
    wizard_journey_with_an_xlsx(&api()).await;
}

/// The wizard from sign-in to publication of an XLSX file with fixes, on `api`'s store (the
/// original file kept between the steps, read back from its end as a zip, then published).
pub async fn wizard_journey_with_an_xlsx(api: &Api) {
    with_passwords(api);
    let mut browser = Browser::new(&api.app);

    // Not signed in: the wizard sends to the sign-in form, which comes back.
    let redirect = browser.get("/publier").await.expect(StatusCode::SEE_OTHER);
    assert_eq!(
        redirect.location.as_deref(),
        Some("/connexion?suite=/publier")
    );

    let wrong = browser
        .sign_in("editrice@montpellier.test", "pas le bon mot de passe")
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("adresse électronique ou mot de passe incorrect")
    );
    let signed_in = browser
        .sign_in("Editrice@Montpellier.test", PASSWORD)
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location.as_deref(), Some("/publier"));
    let session_cookie = signed_in
        .set_cookies
        .iter()
        .find(|cookie| cookie.starts_with("socle_session="))
        .unwrap();
    assert!(session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"));
    assert!(
        !session_cookie.contains("Secure"),
        "plain HTTP, no trusted proxy"
    );

    // Step 1: a new dataset, schema chosen from the SCDL list.
    let start = browser.get("/publier").await.expect(StatusCode::OK);
    assert!(
        start.body.contains("Marchés publics de la Ville"),
        "existing datasets listed"
    );
    assert!(start.body.contains("scdl-subventions"));
    let created = browser
        .post_form(
            "/publier/jeux",
            &[
                ("csrf", &start.csrf()),
                ("organisation", SIREN_MONTPELLIER),
                ("title", "Subventions aux associations"),
                ("schema", "scdl-subventions"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let resource_path = created.location.unwrap();
    assert!(resource_path.starts_with("/publier/ressources/"));

    // Step 2: drop the file.
    let drop = browser.get(&resource_path).await.expect(StatusCode::OK);
    assert!(drop.body.contains("scdl-subventions@"));
    let report = browser
        .post_file(
            &format!("{resource_path}/fichier"),
            &drop.csrf(),
            "subventions mars.xlsx",
            xlsx_with_usual_mistakes(),
        )
        .await
        .expect(StatusCode::OK);
    // Step 3: what was detected, the report in French, the faulty cells, the fixes.
    assert!(report.body.contains("format : XLSX"), "{}", report.body);
    assert!(report.body.contains("n'est pas conforme au schéma"));
    assert!(report.body.contains("Valeurs au mauvais format"));
    assert!(report.body.contains("class=\"faulty\""));
    assert!(
        report.body.contains("→ 2026-03-05"),
        "the fix shown in the faulty cell"
    );
    for fix in [
        "iso-date",
        "decimal-point",
        "digit-spaces",
        "boolean",
        "trim",
    ] {
        assert!(
            report.body.contains(&format!("name=\"fix-{fix}\"")),
            "{fix} offered"
        );
    }
    assert!(
        report.body.contains("<td>1 500,50</td><td>1500.50</td>"),
        "preview of a change"
    );

    // Step 4: publish with every fix.
    let sha256 = report.hidden("sha256");
    let mut fields = vec![
        ("csrf".to_owned(), report.csrf()),
        ("sha256".to_owned(), sha256.clone()),
        ("file_name".to_owned(), report.hidden("file_name")),
    ];
    for fix in [
        "iso-date",
        "decimal-point",
        "digit-spaces",
        "boolean",
        "trim",
    ] {
        fields.push((format!("fix-{fix}"), "on".to_owned()));
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let published = browser
        .post_form(&format!("{resource_path}/publication"), &fields)
        .await
        .expect(StatusCode::SEE_OTHER);
    let done_path = published.location.unwrap();
    let done = browser.get(&done_path).await.expect(StatusCode::OK);
    assert!(
        done.body.contains("est publiée (3 lignes)"),
        "{}",
        done.body
    );
    assert!(done.body.contains("conforme à son schéma"));
    assert!(
        done.body.contains(&sha256),
        "the original is kept and named"
    );
    assert!(done.body.contains("/api/v1/resources/"));

    // The data is public, corrected, and the original file is still stored.
    let resource_id = resource_path.rsplit('/').next().unwrap();
    let records = browser
        .get(&format!(
            "/api/v1/resources/{resource_id}/records?order_by=montant"
        ))
        .await
        .expect(StatusCode::OK);
    assert!(records.body.contains("2026-03-05"), "{}", records.body);
    assert!(records.body.contains("1500.5"), "{}", records.body);
    let original = model::Sha256::parse_hex(&sha256).unwrap();
    assert!(api.catalogue.store().has_blob(&original).unwrap());

    // Next month's file: the same path in fewer steps (straight to the resource).
    let again = browser.get("/publier").await.expect(StatusCode::OK);
    assert!(again.body.contains(&format!("href=\"{resource_path}\"")));
}

#[tokio::test]
async fn forms_without_the_sessions_token_are_refused_in_french() {
    let api = api();
    with_passwords(&api);
    let mut browser = Browser::new(&api.app);
    browser
        .sign_in("editrice@montpellier.test", PASSWORD)
        .await
        .expect(StatusCode::SEE_OTHER);
    let forged = browser
        .post_form(
            "/publier/jeux",
            &[
                ("csrf", "0000"),
                ("organisation", SIREN_MONTPELLIER),
                ("title", "Jeu forgé"),
            ],
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    assert!(forged.body.contains("Accès refusé"));
    assert!(forged.body.contains("jeton de sécurité"));
    let missing = browser
        .post_form("/compte/mot-de-passe", &[("current", PASSWORD)])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);

    // The sign-in form itself needs its cookie and field to match.
    let mut stranger = Browser::new(&api.app);
    let no_cookie = stranger
        .post_form(
            "/connexion",
            &[
                ("csrf", "abc"),
                ("email", "editrice@montpellier.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
    assert!(!stranger.cookies.contains_key("socle_session"));
}

#[tokio::test]
async fn an_editor_of_another_organisation_cannot_publish() {
    let api = api();
    with_passwords(&api);
    let mut outsider = Browser::new(&api.app);
    outsider
        .sign_in("agent@metropole.test", PASSWORD)
        .await
        .expect(StatusCode::SEE_OTHER);
    let start = outsider.get("/publier").await.expect(StatusCode::OK);
    assert!(
        !start.body.contains("Marchés publics de la Ville"),
        "not offered"
    );
    let path = format!("/publier/ressources/{}", api.resource);
    let drop = outsider.get(&path).await.expect(StatusCode::OK);
    let csv = String::from_utf8(super::support::MARCHES.to_vec()).unwrap();
    let refused = outsider
        .post_file(
            &format!("{path}/fichier"),
            &drop.csrf(),
            "marches.csv",
            csv.into_bytes(),
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    assert!(refused.body.contains("action refusée"), "{}", refused.body);
    // Even with the address of a file already stored, publishing is refused.
    let stored = api
        .catalogue
        .store()
        .put_blob(super::support::MARCHES)
        .unwrap();
    let refused = outsider
        .post_form(
            &format!("{path}/publication"),
            &[
                ("csrf", &drop.csrf()),
                ("sha256", &stored.sha256.to_hex()),
                ("file_name", "marches.csv"),
            ],
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    assert!(refused.body.contains("action refusée"), "{}", refused.body);
    assert!(
        api.catalogue
            .history(model::ResourceId(api.resource))
            .unwrap()
            .is_empty()
    );

    // Creating a dataset for Montpellier is refused too.
    let forged = outsider
        .post_form(
            "/publier/jeux",
            &[
                ("csrf", &start.csrf()),
                ("organisation", SIREN_MONTPELLIER),
                ("title", "Pas chez moi"),
                ("schema", ""),
            ],
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    assert!(forged.body.contains("éditeur ou administrateur"));
    // The administration is for instance administrators only.
    let admin = outsider.get("/admin").await.expect(StatusCode::FORBIDDEN);
    assert!(
        admin.body.contains("réservé aux administrateurs"),
        "{}",
        admin.body
    );
}

#[tokio::test]
async fn sessions_end_with_sign_out_password_reset_and_expiry() {
    let api = api();
    with_passwords(&api);
    let mut agent = Browser::new(&api.app);
    agent
        .sign_in("editrice@montpellier.test", PASSWORD)
        .await
        .expect(StatusCode::SEE_OTHER);
    agent.get("/compte").await.expect(StatusCode::OK);

    // An administrator resets the agent's password: the agent's session ends at once.
    let mut admin = Browser::new(&api.app);
    admin
        .sign_in("admin@socle.test", PASSWORD)
        .await
        .expect(StatusCode::SEE_OTHER);
    let page = admin.get("/admin").await.expect(StatusCode::OK);
    assert!(page.body.contains("editrice@montpellier.test"));
    let reset = admin
        .post_form(
            "/admin/mot-de-passe",
            &[
                ("csrf", &page.csrf()),
                ("email", "editrice@montpellier.test"),
                ("password", "nouveau mot de passe provisoire"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert!(reset.body.contains("réinitialisé"));
    let ended = agent.get("/compte").await.expect(StatusCode::SEE_OTHER);
    assert_eq!(ended.location.as_deref(), Some("/connexion?suite=/compte"));
    agent
        .sign_in(
            "editrice@montpellier.test",
            "nouveau mot de passe provisoire",
        )
        .await
        .expect(StatusCode::SEE_OTHER);

    // The agent changes it again from « mon compte »: this browser stays signed in.
    let account = agent.get("/compte").await.expect(StatusCode::OK);
    let changed = agent
        .post_form(
            "/compte/mot-de-passe",
            &[
                ("csrf", &account.csrf()),
                ("current", "nouveau mot de passe provisoire"),
                ("password", "mon mot de passe définitif"),
                ("confirmation", "mon mot de passe définitif"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(
        changed.location.as_deref(),
        Some("/compte?fait=mot-de-passe")
    );
    let after = agent
        .get("/compte?fait=mot-de-passe")
        .await
        .expect(StatusCode::OK);
    assert!(after.body.contains("Votre mot de passe est changé"));

    // Signing out ends the session on the server, not only in the browser.
    let secret = agent.cookies["socle_session"].clone();
    agent
        .post_form("/deconnexion", &[("csrf", &after.csrf())])
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(!agent.cookies.contains_key("socle_session"));
    agent.cookies.insert("socle_session".to_owned(), secret);
    agent.get("/compte").await.expect(StatusCode::SEE_OTHER);

    // Sessions idle longer than the setting are refused (here: no idle time at all).
    let strict = api_with(Config {
        session_idle_minutes: 0,
        ..quiet_config()
    });
    with_passwords(&strict);
    let mut hurried = Browser::new(&strict.app);
    hurried
        .sign_in("editrice@montpellier.test", PASSWORD)
        .await
        .expect(StatusCode::SEE_OTHER);
    hurried.get("/compte").await.expect(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn administrators_manage_organisations_accounts_roles_and_tokens() {
    let api = api();
    with_passwords(&api);
    let mut admin = Browser::new(&api.app);
    admin
        .sign_in("admin@socle.test", PASSWORD)
        .await
        .expect(StatusCode::SEE_OTHER);
    let page = admin.get("/admin").await.expect(StatusCode::OK);
    let csrf = page.csrf();
    let added = admin
        .post_form(
            "/admin/organisations",
            &[
                ("csrf", &csrf),
                ("siren", "200053791"),
                ("name", "Région Occitanie"),
                ("kind", "region"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert!(
        added
            .body
            .contains("Organisation ajoutée : Région Occitanie")
    );
    let bad = admin
        .post_form(
            "/admin/organisations",
            &[
                ("csrf", &csrf),
                ("siren", "123"),
                ("name", "X"),
                ("kind", "region"),
            ],
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("SIREN"), "{}", bad.body);
    admin
        .post_form(
            "/admin/comptes",
            &[
                ("csrf", &csrf),
                ("email", "nouvel.agent@occitanie.test"),
                ("name", "Nouvel agent"),
                ("password", PASSWORD),
            ],
        )
        .await
        .expect(StatusCode::OK);
    let granted = admin
        .post_form(
            "/admin/roles",
            &[
                ("csrf", &csrf),
                ("email", "nouvel.agent@occitanie.test"),
                ("siren", "200053791"),
                ("role", "editor"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert!(
        granted
            .body
            .contains("est désormais éditeur de Région Occitanie")
    );
    let token = admin
        .post_form(
            "/admin/jetons",
            &[
                ("csrf", &csrf),
                ("email", "nouvel.agent@occitanie.test"),
                ("label", "script de publication"),
                ("days", "30"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    let marker = "id=\"jeton-cree\">";
    let start = token.body.find(marker).unwrap() + marker.len();
    let secret = &token.body[start..start + token.body[start..].find('<').unwrap()];
    assert!(secret.starts_with("socle_"));
    // The new token works on the API.
    let mut api_client = Browser::new(&api.app);
    let organisations = api_client
        .send(
            Request::get("/api/v1/organisations")
                .header(header::AUTHORIZATION, format!("Bearer {secret}")),
            Body::empty(),
        )
        .await;
    assert_eq!(organisations.status, StatusCode::OK);

    // The new agent signs in and may create a dataset for the Région.
    let mut agent = Browser::new(&api.app);
    agent
        .sign_in("nouvel.agent@occitanie.test", PASSWORD)
        .await
        .expect(StatusCode::SEE_OTHER);
    let start = agent.get("/publier").await.expect(StatusCode::OK);
    assert!(start.body.contains("Région Occitanie"));
}

#[tokio::test]
async fn a_resource_without_schema_gets_the_schema_its_header_matches() {
    let api = api();
    with_passwords(&api);
    let mut browser = Browser::new(&api.app);
    browser
        .sign_in("editrice@montpellier.test", PASSWORD)
        .await
        .expect(StatusCode::SEE_OTHER);
    let start = browser.get("/publier").await.expect(StatusCode::OK);
    let created = browser
        .post_form(
            "/publier/jeux",
            &[
                ("csrf", &start.csrf()),
                ("organisation", SIREN_MONTPELLIER),
                ("title", "Subventions sans schéma déclaré"),
                ("schema", ""),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let resource_path = created.location.unwrap();
    let drop = browser.get(&resource_path).await.expect(StatusCode::OK);
    let report = browser
        .post_file(
            &format!("{resource_path}/fichier"),
            &drop.csrf(),
            "subventions.xlsx",
            xlsx_with_usual_mistakes(),
        )
        .await
        .expect(StatusCode::OK);
    assert!(
        report.body.contains("scdl-subventions@")
            && report
                .body
                .contains("détecté d&#x27;après les noms de colonnes"),
        "{}",
        report.body
    );
    assert!(report.body.contains("name=\"fix-iso-date\""));
}

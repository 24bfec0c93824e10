//! Organisations, datasets, resources, schemas and tokens through the router.

use axum::http::{Method, StatusCode};
use serde_json::json;
use store::conformance::{SIREN_METROPOLE, SIREN_MONTPELLIER, SIREN_OCCITANIE};

use store::conformance::TestEngine;

use crate::support::{api_on, blocking};

fn slugs(page: &serde_json::Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|dataset| dataset["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn organisations_list_show_and_search(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let page = api
        .get("/api/v1/organisations", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(page["total"], 2);
    assert_eq!(page["page"], 1);
    // Accents and case folded: "metropole" finds "Métropole".
    let found = api
        .get("/api/v1/organisations?q=METROPOLE", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(found["total"], 1);
    assert_eq!(found["data"][0]["siren"], SIREN_METROPOLE);
    assert_eq!(found["data"][0]["kind"], "epci");
    let communes = api
        .get("/api/v1/organisations?kind=commune", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(communes["data"][0]["siren"], SIREN_MONTPELLIER);
    let shown = api
        .get(&format!("/api/v1/organisations/{SIREN_MONTPELLIER}"), None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(shown["name"], "Ville de Montpellier");
    assert_eq!(shown["kind_label"], "Commune");
    let missing = api
        .get(&format!("/api/v1/organisations/{SIREN_OCCITANIE}"), None)
        .await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::NOT_FOUND, "not_found".to_owned())
    );
    let bad_kind = api
        .get("/api/v1/organisations?kind=royaume", None)
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        bad_kind.message().contains("royaume"),
        "{}",
        bad_kind.message()
    );
}

async fn organisations_are_created_by_instance_administrators_only(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let body = json!({"siren": SIREN_OCCITANIE, "name": "Région Occitanie", "kind": "region", "territory": "region:76"});
    let anonymous = api
        .json(Method::POST, "/api/v1/organisations", None, body.clone())
        .await;
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized".to_owned())
    );
    let editor = api
        .json(
            Method::POST,
            "/api/v1/organisations",
            Some(&api.editor),
            body.clone(),
        )
        .await;
    assert_eq!(
        (editor.status, editor.code()),
        (StatusCode::FORBIDDEN, "forbidden".to_owned())
    );
    let created = api
        .json(
            Method::POST,
            "/api/v1/organisations",
            Some(&api.admin),
            body.clone(),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(created["territory"], "region:76");
    let again = api
        .json(
            Method::POST,
            "/api/v1/organisations",
            Some(&api.admin),
            body,
        )
        .await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "conflict".to_owned())
    );
    let bad_siren = api
        .json(
            Method::POST,
            "/api/v1/organisations",
            Some(&api.admin),
            json!({"siren": "123456789", "name": "X", "kind": "commune"}),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(bad_siren.code(), "bad_request");
    assert!(
        bad_siren.message().contains("SIREN invalide"),
        "{}",
        bad_siren.message()
    );
}

async fn dataset_lists_hide_drafts_from_strangers_and_search_in_french(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let public = api
        .get("/api/v1/datasets", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(slugs(&public), ["marches-publics"]);
    assert_eq!(public["data"][0]["publisher"]["siren"], SIREN_MONTPELLIER);
    // Drafts: only to members.
    let anonymous_all = api
        .get("/api/v1/datasets?state=all", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(slugs(&anonymous_all), ["marches-publics"]);
    let outsider_all = api
        .get("/api/v1/datasets?state=all", Some(&api.outsider))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(slugs(&outsider_all), ["marches-publics"]);
    let mut member_all = slugs(
        &api.get("/api/v1/datasets?state=all", Some(&api.editor))
            .await
            .expect(StatusCode::OK)
            .json(),
    );
    member_all.sort();
    assert_eq!(member_all, ["brouillon-interne", "marches-publics"]);
    let drafts = api
        .get("/api/v1/datasets?state=draft", Some(&api.admin))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(slugs(&drafts), ["brouillon-interne"]);
    // Full-text search: accents and case folded, every word needed, description and keywords too.
    for query in [
        "marches",
        "MARCHÉS",
        "march%C3%A9s%20ville",
        "essentielles",
        "commande",
    ] {
        let found = api
            .get(&format!("/api/v1/datasets?q={query}"), None)
            .await
            .expect(StatusCode::OK)
            .json();
        assert_eq!(slugs(&found), ["marches-publics"], "q={query}");
    }
    let none = api
        .get("/api/v1/datasets?q=marches%20cantine", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(none["total"], 0);
    // Filters.
    let by_org = api
        .get(
            &format!("/api/v1/datasets?organisation={SIREN_METROPOLE}"),
            None,
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(by_org["total"], 0);
    let by_schema = api
        .get("/api/v1/datasets?schema=scdl-marches-publics", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(slugs(&by_schema), ["marches-publics"]);
    let by_other_schema = api
        .get("/api/v1/datasets?schema=scdl-budget", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(by_other_schema["total"], 0);
    let by_keyword = api
        .get("/api/v1/datasets?keyword=Commande%20publique", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(by_keyword["total"], 1);
    // Paging.
    let second = api
        .get("/api/v1/datasets?page=2&page_size=1", Some(&api.editor))
        .await;
    let second = second.expect(StatusCode::OK).json();
    assert_eq!(
        (
            second["page"].as_u64(),
            second["page_size"].as_u64(),
            second["total"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(second["data"].as_array().unwrap().len(), 0);
}

async fn bad_list_parameters_are_explained_in_french_or_english(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let french = api
        .get("/api/v1/datasets?page_size=500", None)
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(french.code(), "bad_request");
    assert_eq!(
        french.message(),
        "page_size doit être compris entre 1 et 100"
    );
    assert_eq!(french.headers["content-language"], "fr");
    let english = api
        .send(
            crate::support::request(Method::GET, "/api/v1/datasets?page_size=500", None)
                .header("accept-language", "en-GB,en;q=0.9,fr;q=0.5")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(english.message(), "page_size must be between 1 and 100");
    assert_eq!(english.headers["content-language"], "en");
    let bad_state = api
        .get("/api/v1/datasets?state=perdu", None)
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        bad_state.message().starts_with("état « perdu » inconnu"),
        "{}",
        bad_state.message()
    );
    let not_a_number = api
        .get("/api/v1/datasets?page=deux", None)
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        not_a_number
            .message()
            .starts_with("paramètres de requête invalides"),
        "{}",
        not_a_number.message()
    );
    let bad_siren = api
        .get("/api/v1/datasets?organisation=12", None)
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(bad_siren.message(), "SIREN invalide : « 12 »");
}

async fn dataset_show_includes_resources_and_hides_drafts(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let shown = api
        .get("/api/v1/datasets/marches-publics", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(shown["title"], "Marchés publics de la Ville");
    assert_eq!(shown["resources"][0]["id"], api.resource);
    assert_eq!(
        shown["resources"][0]["schema"]["name"],
        "scdl-marches-publics"
    );
    assert_eq!(shown["resources"][0]["policy"], "strict");
    assert_eq!(shown["licence"], "etalab-2.0");
    let hidden = api.get("/api/v1/datasets/brouillon-interne", None).await;
    assert_eq!(
        (hidden.status, hidden.code()),
        (StatusCode::NOT_FOUND, "not_found".to_owned())
    );
    assert_eq!(
        hidden.message(),
        "jeu de données « brouillon-interne » introuvable"
    );
    api.get("/api/v1/datasets/brouillon-interne", Some(&api.outsider))
        .await
        .expect(StatusCode::NOT_FOUND);
    api.get("/api/v1/datasets/brouillon-interne", Some(&api.editor))
        .await
        .expect(StatusCode::OK);
    api.get("/api/v1/datasets/Pas-Un-Slug", None)
        .await
        .expect(StatusCode::NOT_FOUND);
}

async fn datasets_are_written_by_their_publishers_editors(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let body = json!({
        "title": "Délibérations du conseil municipal",
        "publisher": SIREN_MONTPELLIER,
        "licence": "odbl-1.0",
        "frequency": "MONTHLY",
        "temporal_start": "2024-01-01",
        "keywords": ["conseil"],
    });
    let anonymous = api
        .json(Method::POST, "/api/v1/datasets", None, body.clone())
        .await;
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized".to_owned())
    );
    assert!(
        anonymous.message().contains("Authorization: Bearer"),
        "{}",
        anonymous.message()
    );
    let wrong_token = api
        .json(
            Method::POST,
            "/api/v1/datasets",
            Some("socle_inconnu"),
            body.clone(),
        )
        .await;
    assert_eq!(
        (wrong_token.status, wrong_token.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized".to_owned())
    );
    assert_eq!(wrong_token.message(), "jeton d'API inconnu ou expiré");
    let outsider = api
        .json(
            Method::POST,
            "/api/v1/datasets",
            Some(&api.outsider),
            body.clone(),
        )
        .await;
    assert_eq!(
        (outsider.status, outsider.code()),
        (StatusCode::FORBIDDEN, "forbidden".to_owned())
    );
    assert!(
        outsider.message().starts_with("action refusée"),
        "{}",
        outsider.message()
    );
    let created = api
        .json(
            Method::POST,
            "/api/v1/datasets",
            Some(&api.editor),
            body.clone(),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    // The slug is derived from the title, accents folded.
    assert_eq!(created["slug"], "deliberations-du-conseil-municipal");
    assert_eq!(
        (created["licence"].as_str(), created["frequency"].as_str()),
        (Some("odbl-1.0"), Some("MONTHLY"))
    );
    assert_eq!(created["temporal_start"], "2024-01-01");
    assert_eq!(created["resources"], json!([]));
    let duplicate = api
        .json(Method::POST, "/api/v1/datasets", Some(&api.editor), body)
        .await;
    assert_eq!(
        (duplicate.status, duplicate.code()),
        (StatusCode::CONFLICT, "conflict".to_owned())
    );
    let bad_licence = api
        .json(
            Method::POST,
            "/api/v1/datasets",
            Some(&api.editor),
            json!({"title": "X", "publisher": SIREN_MONTPELLIER, "licence": "cc-by"}),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(bad_licence.message(), "licence invalide : « cc-by »");
    let unknown_field = api
        .json(
            Method::POST,
            "/api/v1/datasets",
            Some(&api.editor),
            json!({"title": "X", "publisher": SIREN_MONTPELLIER, "licnece": "odbl-1.0"}),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        unknown_field.message().starts_with("corps JSON invalide"),
        "{}",
        unknown_field.message()
    );
    assert!(
        unknown_field.message().contains("licnece"),
        "{}",
        unknown_field.message()
    );
    let unknown_publisher = api
        .json(
            Method::POST,
            "/api/v1/datasets",
            Some(&api.admin),
            json!({"title": "X", "publisher": SIREN_OCCITANIE}),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(
        unknown_publisher.message(),
        format!("aucune organisation de SIREN {SIREN_OCCITANIE}")
    );
}

async fn datasets_are_updated_and_archived(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let path = "/api/v1/datasets/marches-publics";
    let refused = api
        .json(
            Method::PATCH,
            path,
            Some(&api.outsider),
            json!({"title": "Piraté"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    api.json(Method::PATCH, path, None, json!({"title": "Piraté"}))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    let updated = api
        .json(
            Method::PATCH,
            path,
            Some(&api.editor),
            json!({"title": "Marchés publics 2017", "themes": ["economie"]}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(updated["title"], "Marchés publics 2017");
    assert_eq!(updated["themes"], json!(["economie"]));
    // Fields not sent are kept.
    assert_eq!(updated["keywords"], json!(["commande publique"]));
    let archived = api
        .send(
            crate::support::request(Method::POST, &format!("{path}/archive"), Some(&api.editor))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(archived["state"], "archived");
    // Still readable, no longer listed by default.
    api.get(path, None).await.expect(StatusCode::OK);
    assert_eq!(api.get("/api/v1/datasets", None).await.json()["total"], 0);
    assert_eq!(
        slugs(
            &api.get("/api/v1/datasets?state=archived", None)
                .await
                .json()
        ),
        ["marches-publics"]
    );
    api.send(
        crate::support::request(
            Method::POST,
            "/api/v1/datasets/inconnu/archive",
            Some(&api.editor),
        )
        .body(axum::body::Body::empty())
        .unwrap(),
    )
    .await
    .expect(StatusCode::NOT_FOUND);
}

async fn resources_are_listed_created_and_shown(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let listed = api
        .get("/api/v1/datasets/marches-publics/resources", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let body = json!({"title": "Subventions", "schema": "scdl-subventions", "policy": "lenient"});
    api.json(
        Method::POST,
        "/api/v1/datasets/marches-publics/resources",
        Some(&api.outsider),
        body.clone(),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let created = api
        .json(
            Method::POST,
            "/api/v1/datasets/marches-publics/resources",
            Some(&api.editor),
            body,
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    // A bare schema name resolves to the bundled version.
    assert_eq!(
        created["schema"],
        json!({"name": "scdl-subventions", "version": "2.1.1"})
    );
    assert_eq!(
        (created["policy"].as_str(), created["format"].as_str()),
        (Some("lenient"), Some("csv"))
    );
    assert_eq!(created["live_version"], json!(null));
    let id = created["id"].as_i64().unwrap();
    let shown = api
        .get(&format!("/api/v1/resources/{id}"), None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(shown["title"], "Subventions");
    let typo = api
        .json(
            Method::POST,
            "/api/v1/datasets/marches-publics/resources",
            Some(&api.editor),
            json!({"title": "X", "schema": "scdl-subvention"}),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        typo.message()
            .contains("vouliez-vous dire « scdl-subventions »"),
        "{}",
        typo.message()
    );
    let missing = api.get("/api/v1/resources/999", None).await;
    assert_eq!(
        (missing.status, missing.message()),
        (
            StatusCode::NOT_FOUND,
            "ressource 999 introuvable".to_owned()
        )
    );
    let not_an_id = api
        .get("/api/v1/resources/abc", None)
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        not_an_id
            .message()
            .starts_with("identifiant invalide dans l'adresse"),
        "{}",
        not_an_id.message()
    );
}

async fn schemas_list_fields_and_users(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let list = api
        .get("/api/v1/schemas", None)
        .await
        .expect(StatusCode::OK)
        .json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|schema| schema["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"scdl-marches-publics") && names.contains(&"scdl-subventions"),
        "{names:?}"
    );
    let shown = api
        .get("/api/v1/schemas/scdl-marches-publics", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(shown["version"], "1.0");
    let fields = shown["fields"].as_array().unwrap();
    assert_eq!(fields[0]["name"], "MARCHE_ID");
    assert_eq!(
        (fields[0]["type"].as_str(), fields[0]["required"].as_bool()),
        (Some("string"), Some(true))
    );
    let last = fields.last().unwrap();
    assert_eq!(
        (last["name"].as_str(), last["required"].as_bool()),
        (Some("MODIF_SIGNATURE_DATE"), Some(false))
    );
    assert_eq!(shown["resources"][0]["dataset_slug"], "marches-publics");
    assert_eq!(shown["resources"][0]["resource_id"], api.resource);
    assert_eq!(
        shown["descriptor"]["fields"].as_array().unwrap().len(),
        fields.len()
    );
    api.get("/api/v1/schemas/scdl-marches-publics@1.0", None)
        .await
        .expect(StatusCode::OK);
    let unknown = api.get("/api/v1/schemas/scdl-inconnu", None).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "not_found".to_owned())
    );
    assert!(
        unknown
            .message()
            .starts_with("schéma inconnu « scdl-inconnu »"),
        "{}",
        unknown.message()
    );
    let wrong_version = api
        .get("/api/v1/schemas/scdl-marches-publics@9.9", None)
        .await
        .expect(StatusCode::NOT_FOUND);
    assert!(
        wrong_version.message().contains("pas en version 9.9"),
        "{}",
        wrong_version.message()
    );
}

async fn users_manage_their_own_tokens(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    api.get("/api/v1/tokens", None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    let created = api
        .json(
            Method::POST,
            "/api/v1/tokens",
            Some(&api.editor),
            json!({"label": "script", "expires_in_days": 30}),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("socle_"));
    assert!(created["expires_at"].is_string());
    let id = created["id"].as_i64().unwrap();
    // The new token works, and lists the user's tokens without secrets.
    let listed = api
        .get("/api/v1/tokens", Some(&secret))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains(&secret));
    // Another user cannot revoke it.
    api.send(
        crate::support::request(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&api.outsider),
        )
        .body(axum::body::Body::empty())
        .unwrap(),
    )
    .await
    .expect(StatusCode::NOT_FOUND);
    api.send(
        crate::support::request(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&api.editor),
        )
        .body(axum::body::Body::empty())
        .unwrap(),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    api.get("/api/v1/tokens", Some(&secret))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    let zero = api
        .json(
            Method::POST,
            "/api/v1/tokens",
            Some(&api.editor),
            json!({"expires_in_days": 0}),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(zero.message(), "expires_in_days doit valoir au moins 1");
}

async fn expired_tokens_are_refused(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let yesterday = model::jiff::Timestamp::now() - model::jiff::SignedDuration::from_hours(24);
    let (secret, _) = blocking(|| {
        let user = api
            .catalogue
            .user_by_email("editrice@montpellier.test")
            .unwrap();
        server::tokens::create(api.catalogue.store(), &user, "vieux", Some(yesterday)).unwrap()
    });
    let refused = api
        .get("/api/v1/datasets", Some(&secret))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(refused.message(), "jeton d'API inconnu ou expiré");
    let bad_scheme = api
        .send(
            crate::support::request(Method::GET, "/api/v1/datasets", None)
                .header("authorization", "Basic dXNlcjpwYXNz")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(
        bad_scheme.message().contains("Bearer"),
        "{}",
        bad_scheme.message()
    );
}

async fn organisations_are_updated_by_their_administrators(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let path = format!("/api/v1/organisations/{SIREN_MONTPELLIER}");
    let changes = json!({"name": "Ville de Montpellier (mairie)", "contact_email": "opendata@montpellier.fr"});
    // An editor is not an administrator of the organisation.
    assert_patch_refused(
        &api,
        &path,
        &[None, Some(api.editor.as_str()), Some(api.outsider.as_str())],
        &changes,
    )
    .await;
    let updated = api
        .json(Method::PATCH, &path, Some(&api.admin), changes)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(updated["name"], "Ville de Montpellier (mairie)");
    assert_eq!(updated["contact_email"], "opendata@montpellier.fr");
    assert_eq!(updated["kind"], "commune", "fields not sent stay");
    assert_eq!(updated["siren"], SIREN_MONTPELLIER);
    let shown = api.get(&path, None).await.expect(StatusCode::OK).json();
    assert_eq!(shown, updated);
    // A blank optional field clears it; a bad kind or territory is explained.
    let cleared = api
        .json(
            Method::PATCH,
            &path,
            Some(&api.admin),
            json!({"contact_email": " "}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(cleared["contact_email"], serde_json::Value::Null);
    for bad in [
        json!({"kind": "royaume"}),
        json!({"territory": "commune:ABC"}),
        json!({"name": ""}),
        json!({"siren": SIREN_OCCITANIE}),
    ] {
        let refused = api
            .json(Method::PATCH, &path, Some(&api.admin), bad.clone())
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            refused.message()
        );
    }
    let unknown = api
        .json(
            Method::PATCH,
            &format!("/api/v1/organisations/{SIREN_OCCITANIE}"),
            Some(&api.admin),
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn resources_are_updated_by_their_publishers_editors(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let published = publish_marches(&api).await;
    let path = format!("/api/v1/resources/{}", api.resource);
    let changes = json!({"title": "Marchés publics 2017", "policy": "lenient", "remote_url": "https://example.org/marches.csv"});
    assert_patch_refused(&api, &path, &[None, Some(api.outsider.as_str())], &changes).await;
    let updated = api
        .json(Method::PATCH, &path, Some(&api.editor), changes)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(updated["title"], "Marchés publics 2017");
    assert_eq!(updated["policy"], "lenient");
    assert_eq!(updated["remote_url"], "https://example.org/marches.csv");
    assert_eq!(
        updated["schema"]["name"], "scdl-marches-publics",
        "fields not sent stay"
    );
    assert_eq!(
        updated["live_version"], published["version"]["id"],
        "versions are untouched"
    );
    // The schema can be dropped, and only a bundled one declared.
    let unknown = api
        .json(
            Method::PATCH,
            &path,
            Some(&api.editor),
            json!({"schema": "pas-un-schema"}),
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unknown.message()
    );
    let without = api
        .json(
            Method::PATCH,
            &path,
            Some(&api.editor),
            json!({"schema": "", "remote_url": ""}),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(without["schema"], serde_json::Value::Null);
    assert_eq!(without["remote_url"], serde_json::Value::Null);
    let shown = api.get(&path, None).await.expect(StatusCode::OK).json();
    assert_eq!(shown, without);
    let unknown_field = api
        .json(
            Method::PATCH,
            &path,
            Some(&api.editor),
            json!({"dataset_id": 7}),
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
}

async fn archived_organisations_take_no_new_dataset(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let path = format!("/api/v1/organisations/{SIREN_MONTPELLIER}/archive");
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(api.editor.as_str()), StatusCode::FORBIDDEN),
    ] {
        let refused = api.json(Method::POST, &path, token, json!({})).await;
        assert_eq!(refused.status, status, "{}", refused.message());
    }
    let archived = api
        .json(Method::POST, &path, Some(&api.admin), json!({}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(archived["archived_at"].is_string(), "{archived}");
    assert_eq!(archived["name"], "Ville de Montpellier");
    // Still readable, with its datasets.
    let shown = api
        .get(&format!("/api/v1/organisations/{SIREN_MONTPELLIER}"), None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(shown["archived_at"], archived["archived_at"]);
    api.get("/api/v1/datasets/marches-publics", None)
        .await
        .expect(StatusCode::OK);
    let refused = api
        .json(
            Method::POST,
            "/api/v1/datasets",
            Some(&api.editor),
            json!({"title": "Nouveau", "publisher": SIREN_MONTPELLIER}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::CONFLICT,
        "{}",
        refused.message()
    );
    assert!(
        refused.message().contains("archivée"),
        "{}",
        refused.message()
    );
}

async fn archived_resources_keep_their_versions_and_take_no_new_one(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let published = publish_marches(&api).await;
    let path = format!("/api/v1/resources/{}/archive", api.resource);
    let outsider = api
        .json(Method::POST, &path, Some(&api.outsider), json!({}))
        .await;
    assert_eq!(outsider.status, StatusCode::FORBIDDEN);
    let archived = api
        .json(Method::POST, &path, Some(&api.editor), json!({}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(archived["archived_at"].is_string(), "{archived}");
    assert_eq!(archived["live_version"], published["version"]["id"]);
    let refused = api
        .upload(
            api.resource,
            Some(&api.editor),
            "autre.csv",
            &crate::support::broken_marches(),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::CONFLICT,
        "{}",
        refused.message()
    );
    // The live version is still served.
    let resource = api
        .get(&format!("/api/v1/resources/{}", api.resource), None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(resource["live_version"], published["version"]["id"]);
    api.get(
        &format!("/api/v1/resources/{}/records?limit=1", api.resource),
        None,
    )
    .await
    .expect(StatusCode::OK);
}

/// Each token (or none) is refused the change: 401 without a token, 403 without the role.
async fn assert_patch_refused(
    api: &crate::support::Api,
    path: &str,
    tokens: &[Option<&str>],
    changes: &serde_json::Value,
) {
    for token in tokens {
        let refused = api.json(Method::PATCH, path, *token, changes.clone()).await;
        let expected = match token {
            None => StatusCode::UNAUTHORIZED,
            Some(_) => StatusCode::FORBIDDEN,
        };
        assert_eq!(refused.status, expected, "{token:?}: {}", refused.message());
    }
}
crate::on_every_engine!(
    organisations_list_show_and_search,
    organisations_are_created_by_instance_administrators_only,
    dataset_lists_hide_drafts_from_strangers_and_search_in_french,
    bad_list_parameters_are_explained_in_french_or_english,
    dataset_show_includes_resources_and_hides_drafts,
    datasets_are_written_by_their_publishers_editors,
    datasets_are_updated_and_archived,
    resources_are_listed_created_and_shown,
    schemas_list_fields_and_users,
    users_manage_their_own_tokens,
    expired_tokens_are_refused,
    organisations_are_updated_by_their_administrators,
    resources_are_updated_by_their_publishers_editors,
    archived_organisations_take_no_new_dataset,
    archived_resources_keep_their_versions_and_take_no_new_one,
);

/// The fixture's editor publishes the sample file to the fixture's resource.
async fn publish_marches(api: &crate::support::Api) -> serde_json::Value {
    api.upload(
        api.resource,
        Some(&api.editor),
        "marchés.csv",
        crate::support::MARCHES,
    )
    .await
    .expect(StatusCode::CREATED)
    .json()
}

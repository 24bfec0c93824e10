//! Publishing by upload, versions, reports and original files through the router.

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use serde_json::json;

use store::conformance::TestEngine;

use crate::support::{
    MARCHES, api, api_on, api_with, api_with_on, broken_marches, quiet_config, request,
};

async fn raw_upload_publishes_then_is_idempotent(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let published = api
        .upload(api.resource, Some(&api.editor), "marchés-2017.csv", MARCHES)
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(published["outcome"], "published");
    let version = &published["version"];
    assert_eq!(version["status"], "published");
    assert_eq!(version["conformant"], true);
    assert_eq!(version["origin"], "upload");
    assert_eq!(version["filename"], "marchés-2017.csv");
    assert_eq!(version["size"], MARCHES.len());
    assert_eq!(published["report"]["valid"], true);
    let id = version["id"].as_i64().unwrap();
    // The resource now points at it.
    let resource = api
        .get(&format!("/api/v1/resources/{}", api.resource), None)
        .await
        .json();
    assert_eq!(resource["live_version"], id);
    // The same bytes again change nothing.
    let again = api
        .upload(api.resource, Some(&api.editor), "copie.csv", MARCHES)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(again["outcome"], "already_published");
    assert_eq!(again["version"]["id"], id);
    // Nothing is left in the upload folder.
    let leftovers = std::fs::read_dir(api.dir.path().join("uploads"))
        .unwrap()
        .count();
    assert_eq!(leftovers, 0);
}

async fn strict_resources_reject_broken_files_with_their_report(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let first = api
        .upload(api.resource, Some(&api.editor), "bon.csv", MARCHES)
        .await
        .expect(StatusCode::CREATED)
        .json();
    let rejected = api
        .upload(
            api.resource,
            Some(&api.editor),
            "casse.csv",
            &broken_marches(),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(rejected["outcome"], "rejected");
    assert_eq!(rejected["version"]["status"], "rejected");
    assert_eq!(rejected["report"]["valid"], false);
    let rejected_id = rejected["version"]["id"].as_i64().unwrap();
    // The previous version stays live.
    let resource = api
        .get(&format!("/api/v1/resources/{}", api.resource), None)
        .await
        .json();
    assert_eq!(resource["live_version"], first["version"]["id"]);
    // History, newest first, rejected included.
    let history = api
        .get(
            &format!("/api/v1/resources/{}/versions", api.resource),
            None,
        )
        .await
        .expect(StatusCode::OK)
        .json();
    let statuses: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|version| version["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["rejected", "published"]);
    // The report says why, in French.
    let report = api
        .get(&format!("/api/v1/versions/{rejected_id}/report"), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(report.headers[header::CONTENT_TYPE], "application/json");
    let report = report.json();
    assert_eq!(report["valid"], false);
    assert!(report.to_string().contains("pas une date"), "{report}");
    assert!(!report.to_string().contains("message_en"), "{report}");
    // The same stored report in English, on request.
    let english = api
        .send(
            request(
                Method::GET,
                &format!("/api/v1/versions/{rejected_id}/report"),
                None,
            )
            .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,fr;q=0.5")
            .body(Body::empty())
            .unwrap(),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    let french_errors = report["errors"].as_array().unwrap();
    let english_errors = english["errors"].as_array().unwrap();
    assert_eq!(french_errors.len(), english_errors.len());
    for (french, english) in french_errors.iter().zip(english_errors) {
        assert_eq!(french["type"], english["type"]);
        assert_eq!(french["rowNumber"], english["rowNumber"]);
        assert_ne!(french["message"], english["message"]);
    }
    assert!(english.to_string().contains("expected form"), "{english}");
    assert!(
        english["warnings"][0]
            .as_str()
            .unwrap()
            .contains("belongs under"),
        "{english}"
    );
    assert_ne!(english["warnings"], report["warnings"]);
    assert!(!english.to_string().contains("message_en"), "{english}");
    // Its file is for members only.
    let stranger = api
        .get(&format!("/api/v1/versions/{rejected_id}/original"), None)
        .await;
    assert_eq!(
        (stranger.status, stranger.code()),
        (StatusCode::FORBIDDEN, "forbidden".to_owned())
    );
    api.get(
        &format!("/api/v1/versions/{rejected_id}/original"),
        Some(&api.outsider),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let member = api
        .get(
            &format!("/api/v1/versions/{rejected_id}/original"),
            Some(&api.editor),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(member.body.as_ref(), broken_marches().as_slice());
}

async fn originals_are_served_unchanged_with_name_and_type(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let published = api
        .upload(api.resource, Some(&api.editor), "marchés 2017.csv", MARCHES)
        .await
        .expect(StatusCode::CREATED)
        .json();
    let id = published["version"]["id"].as_i64().unwrap();
    let shown = api
        .get(&format!("/api/v1/versions/{id}"), None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        shown["original_url"],
        format!("/api/v1/versions/{id}/original")
    );
    assert_eq!(shown["sha256"].as_str().unwrap().len(), 64);
    let original = api
        .get(&format!("/api/v1/versions/{id}/original"), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(original.body.as_ref(), MARCHES);
    assert_eq!(original.headers[header::CONTENT_TYPE], "text/csv");
    assert_eq!(
        original.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"march_s 2017.csv\"; filename*=UTF-8''march%C3%A9s%202017.csv"
    );
    assert_eq!(
        original.headers[header::ETAG],
        format!("\"{}\"", shown["sha256"].as_str().unwrap())
    );
    let missing = api.get("/api/v1/versions/4242/original", None).await;
    assert_eq!(
        (missing.status, missing.message()),
        (StatusCode::NOT_FOUND, "version 4242 introuvable".to_owned())
    );
    api.get("/api/v1/versions/4242/report", None)
        .await
        .expect(StatusCode::NOT_FOUND);
    api.get("/api/v1/versions/4242", None)
        .await
        .expect(StatusCode::NOT_FOUND);
}

async fn multipart_upload_carries_its_file_name(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let boundary = "socle-frontiere";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignorée\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"marches.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(MARCHES);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let reply = api
        .send(
            request(
                Method::POST,
                &format!("/api/v1/resources/{}/versions", api.resource),
                Some(&api.editor),
            )
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(reply["version"]["filename"], "marches.csv");
    assert_eq!(reply["version"]["size"], MARCHES.len());
    // A multipart body without a file is explained.
    let empty = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nrien\r\n--{boundary}--\r\n"
    );
    let refused = api
        .send(
            request(
                Method::POST,
                &format!("/api/v1/resources/{}/versions", api.resource),
                Some(&api.editor),
            )
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(empty))
            .unwrap(),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        refused.message().contains("partie « file »"),
        "{}",
        refused.message()
    );
}

async fn uploads_need_a_token_with_the_right_role(engine: TestEngine) {
    let Some(api) = api_on(engine) else {
        return;
    };
    let anonymous = api.upload(api.resource, None, "m.csv", MARCHES).await;
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized".to_owned())
    );
    let wrong = api
        .upload(api.resource, Some("socle_faux"), "m.csv", MARCHES)
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let outsider = api
        .upload(api.resource, Some(&api.outsider), "m.csv", MARCHES)
        .await;
    assert_eq!(
        (outsider.status, outsider.code()),
        (StatusCode::FORBIDDEN, "forbidden".to_owned())
    );
    assert!(
        outsider.message().contains("agent@metropole.test"),
        "{}",
        outsider.message()
    );
    // Nothing was recorded.
    let history = api.history().await;
    assert_eq!(history, json!([]));
    api.upload(999, Some(&api.editor), "m.csv", MARCHES)
        .await
        .expect(StatusCode::NOT_FOUND);
    // An administrator may publish anywhere.
    api.upload(api.resource, Some(&api.admin), "m.csv", MARCHES)
        .await
        .expect(StatusCode::CREATED);
}

async fn oversized_empty_and_url_uploads_are_refused_clearly(engine: TestEngine) {
    let mut config = quiet_config();
    config.max_upload_bytes = 100;
    let Some(api) = api_with_on(config, engine) else {
        return;
    };
    let too_big = api
        .upload(api.resource, Some(&api.editor), "m.csv", MARCHES)
        .await;
    assert_eq!(
        (too_big.status, too_big.code()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large".to_owned()
        )
    );
    assert_eq!(
        too_big.message(),
        "le corps de la requête dépasse la taille maximale autorisée (100 octets)"
    );
    // Without Content-Length (a stream), the limit is enforced while receiving.
    let stream = futures_stream(MARCHES).await;
    let streamed = api
        .send(
            request(
                Method::POST,
                &format!("/api/v1/resources/{}/versions?filename=m.csv", api.resource),
                Some(&api.editor),
            )
            .body(stream)
            .unwrap(),
        )
        .await;
    assert_eq!(streamed.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        std::fs::read_dir(api.dir.path().join("uploads"))
            .unwrap()
            .count(),
        0
    );
    let empty = api
        .upload(api.resource, Some(&api.editor), "vide.csv", b"")
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(empty.message(), "fichier vide : rien à publier");
    let by_url = api
        .json(
            Method::POST,
            &format!("/api/v1/resources/{}/versions", api.resource),
            Some(&api.editor),
            json!({"url": "http://127.0.0.1:9/marches.csv"}),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        by_url.message().contains("réseau interne du serveur"),
        "by default the server does not fetch from its own network: {}",
        by_url.message()
    );
    let bad_encoding = api
        .send(
            request(
                Method::POST,
                &format!(
                    "/api/v1/resources/{}/versions?encoding=klingon",
                    api.resource
                ),
                Some(&api.editor),
            )
            .body(Body::from("a"))
            .unwrap(),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        bad_encoding
            .message()
            .starts_with("encodage inconnu « klingon »"),
        "{}",
        bad_encoding.message()
    );
}

/// A body of unknown length (no `Content-Length`), sent in small chunks.
async fn futures_stream(bytes: &'static [u8]) -> Body {
    let (mut sender, body) =
        http_body_util::channel::Channel::<axum::body::Bytes, std::io::Error>::new(
            bytes.len() / 16 + 1,
        );
    for chunk in bytes.chunks(16) {
        sender
            .send_data(axum::body::Bytes::from_static(chunk))
            .await
            .unwrap();
    }
    Body::new(body)
}

#[tokio::test]
async fn large_uploads_are_published_in_the_background_and_followed_as_jobs() {
    // Every upload counts as large here.
    let api = api_with(server::Config {
        async_publication_bytes: 1,
        ..quiet_config()
    });
    let accepted = api
        .upload(api.resource, Some(&api.editor), "marchés.csv", MARCHES)
        .await
        .expect(StatusCode::ACCEPTED);
    let location = accepted.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let job = accepted.json();
    assert_eq!(location, format!("/api/v1/jobs/{}", job["id"]));
    assert_eq!(job["kind"], "publish");
    assert_eq!(job["state"], "queued");
    assert_eq!(job["attempts"], 0);
    assert!(job["publication"].is_null(), "{job}");
    assert_eq!(api.history().await.as_array().unwrap().len(), 0);
    // Only its author (and instance administrators) may follow it.
    api.get(&location, None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    api.get(&location, Some(&api.outsider))
        .await
        .expect(StatusCode::NOT_FOUND);
    // A worker (here, this test) runs it.
    let catalogue = api.catalogue.clone();
    let completed = tokio::task::spawn_blocking(move || {
        catalogue.run_waiting_jobs(std::time::Duration::from_secs(30), &mut |_, _| {})
    })
    .await
    .unwrap()
    .unwrap();
    assert!(completed >= 1, "the publication and its index build");
    let done = api
        .get(&location, Some(&api.admin))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["attempts"], 1);
    assert_eq!(done["worker"], format!("pid {}", std::process::id()));
    assert_eq!(done["publication"]["outcome"], "published");
    let version = &done["publication"]["version"];
    assert_eq!(version["filename"], "marchés.csv");
    assert_eq!(done["rows_read"], version["row_count"]);
    assert!(done["rows_read"].as_u64().unwrap() > 0);
    let history = api.history().await;
    assert_eq!(history[0]["id"], version["id"]);
    // `?async=false` keeps even a large file in the request.
    let in_request = api
        .send(
            request(
                Method::POST,
                &format!(
                    "/api/v1/resources/{}/versions?filename=casse.csv&async=false",
                    api.resource
                ),
                Some(&api.editor),
            )
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(broken_marches()))
            .unwrap(),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(in_request["outcome"], "rejected");
}

#[tokio::test]
async fn clients_ask_for_a_background_publication_with_prefer() {
    let api = api();
    let accepted = api
        .send(
            request(
                Method::POST,
                &format!("/api/v1/resources/{}/versions?filename=m.csv", api.resource),
                Some(&api.editor),
            )
            .header(header::CONTENT_TYPE, "text/csv")
            .header("Prefer", "wait=10, respond-async")
            .body(Body::from(MARCHES.to_vec()))
            .unwrap(),
        )
        .await
        .expect(StatusCode::ACCEPTED)
        .json();
    assert_eq!(accepted["state"], "queued");
    // A user who may not publish there is refused before anything is queued.
    api.send(
        request(
            Method::POST,
            &format!("/api/v1/resources/{}/versions?async=true", api.resource),
            Some(&api.outsider),
        )
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(MARCHES.to_vec()))
        .unwrap(),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let queued = api.catalogue.store().job_status(store::JobId(2)).unwrap();
    assert!(queued.is_none(), "{queued:?}");
}

crate::on_every_engine!(
    raw_upload_publishes_then_is_idempotent,
    strict_resources_reject_broken_files_with_their_report,
    originals_are_served_unchanged_with_name_and_type,
    multipart_upload_carries_its_file_name,
    uploads_need_a_token_with_the_right_role,
    oversized_empty_and_url_uploads_are_refused_clearly,
);

//! Versions: publishing a file (`POST /api/v1/resources/{id}/versions`), the history of a
//! resource, each version's validation report and its original file.
//!
//! An upload is streamed to a temporary file under `<data>/uploads/` (never held in memory),
//! counted against `max_upload_bytes` as it arrives, then handed to the catalogue service, which
//! stores, validates and loads it.

use std::path::Path;

use axum::Json;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use catalogue::validation::localized_report;
use catalogue::{Outcome, PublishRequest};
use http_body_util::BodyExt;
use model::{VersionOrigin, VersionStatus};
use tempfile::NamedTempFile;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::common::{self, Viewer, visible_resource, visible_version};
use super::types;
use crate::config::Config;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, Lang};
use crate::limits::timeout;
use crate::spool::Spool;
use crate::state::AppState;

/// The upload route: its own time limit, and no framework body limit (the handler counts).
pub(crate) fn upload_router(config: &Config) -> OpenApiRouter<AppState> {
    let upload_timeout = std::time::Duration::from_secs(config.upload_timeout_secs);
    OpenApiRouter::new().routes(
        routes!(publish_version)
            .layer(DefaultBodyLimit::disable())
            .layer(from_fn_with_state(upload_timeout, timeout)),
    )
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_versions))
        .routes(routes!(show_version))
        .routes(routes!(version_report))
        .routes(routes!(version_original))
}

/// A resource's versions, newest first, rejected ones included.
#[utoipa::path(
    get,
    path = "/api/v1/resources/{id}/versions",
    tag = "versions",
    params(("id" = i64, Path, description = "Identifiant de la ressource")),
    responses(
        (status = 200, body = Vec<types::Version>),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn list_versions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<types::Version>>> {
    let versions = state
        .read(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let (resource, _) = visible_resource(catalogue, &viewer, id)?;
            Ok(catalogue.history(resource.id)?)
        })
        .await?;
    Ok(Json(versions.iter().map(common::version).collect()))
}

/// Publishes a file as a new version of the resource: validated against the resource's schema,
/// kept byte for byte, its rows loaded. Send the file either as the raw body (name in
/// `?filename=` or `Content-Disposition`) or as the `file` part of a `multipart/form-data`
/// body — or, to have the server download it, a JSON body `{"url": "https://…"}` (`{}` takes
/// the resource's `remote_url`); the version then records `origin: url`.
///
/// `201` when a version was recorded (`outcome` says whether it is live or rejected), `200`
/// when these exact bytes were already published.
///
/// In the background — with `?async=true`, the header `Prefer: respond-async`, or by default
/// for files of at least `async_publication_bytes` — the file is kept and a job queued: `202`
/// with the job, and `Location: /api/v1/jobs/{id}` to follow it (any server of the instance
/// may run it).
#[utoipa::path(
    post,
    path = "/api/v1/resources/{id}/versions",
    tag = "versions",
    params(("id" = i64, Path, description = "Identifiant de la ressource"), types::UploadOptions),
    request_body(
        description = "Le fichier (CSV, CSV.GZ, XLSX, ODS), brut ou en multipart (partie `file`)",
        content(
            ("application/octet-stream"),
            ("text/csv"),
            ("multipart/form-data"),
            (types::PublishByUrl = "application/json")
        )
    ),
    security(("token" = [])),
    responses(
        (status = 201, body = types::Publication, description = "Version enregistrée (en ligne ou rejetée, voir `outcome`)"),
        (status = 200, body = types::Publication, description = "Ces octets étaient déjà publiés"),
        (status = 202, body = types::Job, description = "Publication confiée à une tâche de fond (voir `Location`)"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "Fichier trop gros"),
        (status = 502, body = ErrorBody, description = "Fichier distant introuvable ou serveur distant en erreur"),
        (status = 504, body = ErrorBody, description = "Le serveur distant n'a pas répondu à temps"),
    )
)]
pub(crate) async fn publish_version(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(options): ApiQuery<types::UploadOptions>,
    request: Request,
) -> ApiResult<Response> {
    let actor = caller.require()?.clone();
    let prefers_async = prefers_respond_async(request.headers());
    let mut read = read_options(&options)?;
    let resource = {
        let caller = caller.clone();
        state
            .blocking(move |catalogue| {
                let viewer = Viewer::of(&caller, catalogue)?;
                Ok(visible_resource(catalogue, &viewer, id)?.0)
            })
            .await?
    };
    let limit = state.config.max_upload_bytes;
    if declared_length(request.headers()).is_some_and(|length| length > limit) {
        return Err(ApiError::payload_too_large(limit));
    }
    let uploads = state.catalogue.store().data_dir().join("uploads");
    let mut origin = VersionOrigin::Upload;
    let (file, file_name) = match media_type(request.headers()).as_str() {
        "application/json" => {
            origin = VersionOrigin::Url;
            let url = requested_url(request, &state, resource.remote_url.as_deref()).await?;
            state.fetcher.download(&url, &uploads, limit).await?
        }
        "multipart/form-data" => receive_multipart(request, &state, &uploads, limit).await?,
        _ => {
            let file_name = options
                .filename
                .clone()
                .or_else(|| content_disposition_file_name(request.headers()));
            let file = receive_raw(request.into_body(), &uploads, limit).await?;
            (file, file_name)
        }
    };
    read.file_name = file_name.clone();
    let publish_request = PublishRequest {
        resource: resource.id,
        file_name,
        origin,
        read,
    };
    let size = file.as_file().metadata().map_err(ApiError::internal)?.len();
    let threshold = state.config.async_publication_bytes;
    let in_background = options
        .in_background
        .unwrap_or(prefers_async || (threshold > 0 && size >= threshold));
    if in_background {
        return publish_in_background(&state, actor, publish_request, file).await;
    }
    let publication = state
        .blocking(move |catalogue| {
            let input = file.reopen().map_err(ApiError::internal)?;
            let publication = catalogue.publish(&actor, &publish_request, input)?;
            // The temporary file is removed here, once the store holds its own copy.
            drop(file);
            Ok(publication)
        })
        .await?;
    let status = match publication.outcome {
        Outcome::AlreadyPublished => StatusCode::OK,
        Outcome::Published { .. } | Outcome::Rejected => StatusCode::CREATED,
    };
    let body = types::Publication {
        outcome: catalogue::jobs::outcome_code(publication.outcome).to_owned(),
        version: common::version(&publication.version),
        report: publication.report_in(lang.messages()),
    };
    Ok((status, Json(body)).into_response())
}

/// Keeps the received file in the blob store (shared by every server) and queues its
/// publication: `202 Accepted`, the job, and `Location` to follow it.
async fn publish_in_background(
    state: &AppState,
    actor: catalogue::Actor,
    request: PublishRequest,
    file: NamedTempFile,
) -> ApiResult<Response> {
    let job = state
        .blocking(move |catalogue| {
            let input = std::io::BufReader::new(file.reopen().map_err(ApiError::internal)?);
            let blob = catalogue.store().put_blob(input)?;
            drop(file);
            let id = catalogue.enqueue_publication(&actor, &request, &blob)?;
            let status = catalogue.job(&actor, id)?;
            super::jobs::job_view(catalogue, &status)
        })
        .await?;
    let location =
        HeaderValue::from_str(&format!("/api/v1/jobs/{}", job.id)).map_err(ApiError::internal)?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(job),
    )
        .into_response())
}

/// Whether the client sent `Prefer: respond-async` (RFC 7240).
fn prefers_respond_async(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|preference| preference.trim().eq_ignore_ascii_case("respond-async"))
}

/// The URL of a `{"url": …}` body, or the resource's own remote URL for `{}`.
async fn requested_url(
    request: Request,
    state: &AppState,
    remote_url: Option<&str>,
) -> ApiResult<String> {
    let ApiJson(body) = ApiJson::<types::PublishByUrl>::from_request(request, state).await?;
    body.url
        .or_else(|| remote_url.map(str::to_owned))
        .ok_or_else(|| {
            ApiError::bad_request(
                "aucune URL : indiquez {\"url\": \"https://…\"} ou renseignez l'URL distante de la ressource",
                "no URL: send {\"url\": \"https://…\"} or set the resource's remote URL",
            )
        })
}

fn read_options(options: &types::UploadOptions) -> ApiResult<ingest::Options> {
    let encoding = options
        .encoding
        .as_deref()
        .map(|label| {
            ingest::Encoding::from_label(label).ok_or_else(|| {
                ApiError::bad_request(
                    format!("encodage inconnu « {label} » : utf-8, windows-1252, iso-8859-1, iso-8859-15, utf-16le ou utf-16be"),
                    format!("unknown encoding `{label}`: utf-8, windows-1252, iso-8859-1, iso-8859-15, utf-16le or utf-16be"),
                )
            })
        })
        .transpose()?;
    let delimiter = options
        .delimiter
        .as_deref()
        .map(|text| match text.as_bytes() {
            [byte] if byte.is_ascii() && !matches!(byte, b'"' | b'\r' | b'\n') => Ok(*byte),
            _ => Err(ApiError::bad_request(
                format!("séparateur « {text} » non pris en charge : un caractère ASCII comme « ; » ou « , »"),
                format!("unsupported delimiter `{text}`: one ASCII character such as `;` or `,`"),
            )),
        })
        .transpose()?;
    Ok(ingest::Options {
        encoding,
        delimiter,
        sheet: options.sheet.clone(),
        file_name: None,
    })
}

/// The media type of the body, lower-case, without parameters.
fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// `filename` of a `Content-Disposition` header (quoted or not); directories are stripped.
fn content_disposition_file_name(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_DISPOSITION)?.to_str().ok()?;
    value.split(';').find_map(|param| {
        let (key, raw) = param.trim().split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("filename") {
            return None;
        }
        base_name(raw.trim().trim_matches('"'))
    })
}

/// The last component of a client-given path (`C:\dossier\menus.csv` → `menus.csv`).
pub(crate) fn base_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    (!base.is_empty()).then(|| base.to_owned())
}

async fn receive_raw(body: Body, uploads: &Path, limit: u64) -> ApiResult<NamedTempFile> {
    let mut spool = Spool::create(uploads, limit).await?;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            ApiError::bad_request(
                format!("réception du fichier interrompue : {error}"),
                format!("file upload interrupted: {error}"),
            )
        })?;
        if let Some(data) = frame.data_ref() {
            spool.write(data).await?;
        }
    }
    spool.finish().await
}

/// Receives the `file` part (or the first part carrying a file name) of a multipart body.
async fn receive_multipart(
    request: Request,
    state: &AppState,
    uploads: &Path,
    limit: u64,
) -> ApiResult<(NamedTempFile, Option<String>)> {
    let multipart_error = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::payload_too_large(limit);
        }
        let detail = error.body_text();
        ApiError::bad_request(
            format!("corps multipart illisible : {detail}"),
            format!("unreadable multipart body: {detail}"),
        )
    };
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|rejection| {
            let detail = rejection.body_text();
            ApiError::bad_request(
                format!("corps multipart illisible : {detail}"),
                format!("unreadable multipart body: {detail}"),
            )
        })?;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let is_file = field.name() == Some("file") || field.file_name().is_some();
        if !is_file {
            continue;
        }
        let file_name = field.file_name().and_then(base_name);
        let mut spool = Spool::create(uploads, limit).await?;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            spool.write(&chunk).await?;
        }
        return Ok((spool.finish().await?, file_name));
    }
    Err(ApiError::bad_request(
        "aucun fichier dans le corps multipart : envoyez-le dans la partie « file »",
        "no file in the multipart body: send it in the `file` part",
    ))
}

/// Shows a version.
#[utoipa::path(
    get,
    path = "/api/v1/versions/{id}",
    tag = "versions",
    params(("id" = i64, Path, description = "Identifiant de la version")),
    responses(
        (status = 200, body = types::Version),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn show_version(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<types::Version>> {
    let (version, _) = state
        .read(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            visible_version(catalogue, &viewer, id)
        })
        .await?;
    Ok(Json(common::version(&version)))
}

/// The validation report of a version (Frictionless-like JSON, messages in French, or in English
/// by `Accept-Language`).
#[utoipa::path(
    get,
    path = "/api/v1/versions/{id}/report",
    tag = "versions",
    params(("id" = i64, Path, description = "Identifiant de la version")),
    responses(
        (status = 200, description = "Le rapport de validation", content_type = "application/json"),
        (status = 404, body = ErrorBody, description = "Version inconnue, ou sans rapport"),
    )
)]
pub(crate) async fn version_report(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (version, _) = state
        .read(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            visible_version(catalogue, &viewer, id)
        })
        .await?;
    let Some(text) = version.report else {
        return Err(ApiError::not_found(
            format!("la version {id} n'a pas de rapport de validation"),
            format!("version {id} has no validation report"),
        ));
    };
    let stored: serde_json::Value = serde_json::from_str(&text).map_err(ApiError::internal)?;
    Ok(Json(localized_report(stored, lang.messages())).into_response())
}

/// The original file of a version, byte for byte, with its name and media type. Files of
/// rejected versions are only served to members of the dataset's organisations.
#[utoipa::path(
    get,
    path = "/api/v1/versions/{id}/original",
    tag = "versions",
    params(("id" = i64, Path, description = "Identifiant de la version")),
    responses(
        (status = 200, description = "Le fichier tel que reçu", content_type = "application/octet-stream"),
        (status = 403, body = ErrorBody, description = "Version rejetée, réservée aux membres"),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn version_original(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (version, public) = state
        .blocking(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let (version, dataset) = visible_version(catalogue, &viewer, id)?;
            if version.status == VersionStatus::Rejected && !viewer.is_member(&dataset) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("le fichier de la version {id} a été rejeté : seuls les membres de l'organisation peuvent le télécharger"),
                    format!("the file of version {id} was rejected: only members of the organisation may download it"),
                ));
            }
            Ok((version, dataset.state != model::DatasetState::Draft))
        })
        .await?;
    // Opened on the blocking pool (on object storage this is a request), then copied into the
    // body chunk by chunk from a blocking thread, whichever backend holds the blob.
    let sha256 = version.sha256;
    let mut original = state
        .blocking(move |catalogue| Ok(catalogue.store().open_blob(&sha256)?))
        .await?;
    let body = crate::api::exports::streamed_body(move |sink| {
        std::io::copy(&mut original, sink)?;
        Ok(())
    });
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&version.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(version.size));
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&format!("\"{}\"", version.sha256.to_hex()))
            .map_err(ApiError::internal)?,
    );
    // A version never changes: caches may keep it for good (privately for drafts).
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=31536000, immutable"
        } else {
            "private, max-age=31536000, immutable"
        }),
    );
    let file_name = version
        .filename
        .clone()
        .unwrap_or_else(|| format!("version-{id}"));
    headers.insert(header::CONTENT_DISPOSITION, attachment(&file_name));
    Ok(response)
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII fallback for old clients
/// and the exact name, percent-encoded, for the others.
fn attachment(file_name: &str) -> HeaderValue {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"C:\\\\docs\\\\menus.csv\""),
        );
        assert_eq!(
            content_disposition_file_name(&headers).as_deref(),
            Some("menus.csv")
        );
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=budget.xlsx"),
        );
        assert_eq!(
            content_disposition_file_name(&headers).as_deref(),
            Some("budget.xlsx")
        );
    }

    #[test]
    fn attachment_header_keeps_the_exact_name() {
        let value = attachment("délibérations 2024.csv");
        assert_eq!(
            value.to_str().unwrap(),
            "attachment; filename=\"d_lib_rations 2024.csv\"; filename*=UTF-8''d%C3%A9lib%C3%A9rations%202024.csv"
        );
    }
}

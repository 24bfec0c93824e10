//! What the `/api/v1` handlers share: paging, who may see what, French-aware text search,
//! and the conversions from `model` types to wire types.

use std::collections::{HashMap, HashSet};

use catalogue::Catalogue;
use model::{DatasetState, OrganisationId};

use super::types;
use crate::error::{ApiError, ApiResult};
use crate::extract::Caller;

pub(crate) const DEFAULT_PAGE_SIZE: usize = 20;
pub(crate) const MAX_PAGE_SIZE: usize = 100;

/// Cuts one page out of a full list.
pub(crate) fn paginate<T>(
    items: Vec<T>,
    page: Option<usize>,
    page_size: Option<usize>,
) -> ApiResult<types::Page<T>> {
    let page = page.unwrap_or(1);
    let page_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if page == 0 {
        return Err(ApiError::bad_request(
            "le numéro de page commence à 1",
            "page numbers start at 1",
        ));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ApiError::bad_request(
            format!("page_size doit être compris entre 1 et {MAX_PAGE_SIZE}"),
            format!("page_size must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let total = items.len();
    let data = items
        .into_iter()
        .skip((page - 1).saturating_mul(page_size))
        .take(page_size)
        .collect();
    Ok(types::Page {
        data,
        page,
        page_size,
        total,
    })
}

/// What the caller may see: published and archived datasets are public; drafts are visible to
/// the members of their publisher or producer, and to instance administrators.
pub(crate) struct Viewer {
    admin: bool,
    organisations: HashSet<OrganisationId>,
}

impl Viewer {
    pub(crate) fn of(caller: &Caller, catalogue: &Catalogue) -> ApiResult<Viewer> {
        let Some(user) = caller.user() else {
            return Ok(Viewer {
                admin: false,
                organisations: HashSet::new(),
            });
        };
        let organisations = catalogue
            .store()
            .memberships_of_user(user.id)?
            .into_iter()
            .map(|membership| membership.organisation)
            .collect();
        Ok(Viewer {
            admin: user.is_admin,
            organisations,
        })
    }

    /// Whether the caller belongs to the dataset's publisher or producer (or runs the instance).
    pub(crate) fn is_member(&self, dataset: &model::Dataset) -> bool {
        self.admin
            || self.organisations.contains(&dataset.publisher)
            || self.organisations.contains(&dataset.producer)
    }

    pub(crate) fn can_see(&self, dataset: &model::Dataset) -> bool {
        dataset.state != DatasetState::Draft || self.is_member(dataset)
    }
}

/// The dataset, if it exists and the caller may see it (a hidden draft is "not found": its
/// existence is not disclosed).
pub(crate) fn visible_dataset(
    catalogue: &Catalogue,
    viewer: &Viewer,
    id: model::DatasetId,
) -> ApiResult<model::Dataset> {
    catalogue
        .store()
        .dataset(id)?
        .filter(|dataset| viewer.can_see(dataset))
        .ok_or_else(|| {
            ApiError::not_found(
                format!("jeu de données {id} introuvable"),
                format!("dataset {id} not found"),
            )
        })
}

pub(crate) fn dataset_by_slug(
    catalogue: &Catalogue,
    viewer: &Viewer,
    slug: &str,
) -> ApiResult<model::Dataset> {
    let not_found = || {
        ApiError::not_found(
            format!("jeu de données « {slug} » introuvable"),
            format!("dataset `{slug}` not found"),
        )
    };
    let Ok(parsed) = model::Slug::parse(slug) else {
        return Err(not_found());
    };
    catalogue
        .store()
        .dataset_by_slug(&parsed)?
        .filter(|dataset| viewer.can_see(dataset))
        .ok_or_else(not_found)
}

/// A resource with its dataset, if the caller may see the dataset.
pub(crate) fn visible_resource(
    catalogue: &Catalogue,
    viewer: &Viewer,
    id: i64,
) -> ApiResult<(model::Resource, model::Dataset)> {
    let not_found = || {
        ApiError::not_found(
            format!("ressource {id} introuvable"),
            format!("resource {id} not found"),
        )
    };
    let resource = catalogue
        .store()
        .resource(model::ResourceId(id))?
        .ok_or_else(not_found)?;
    let dataset = visible_dataset(catalogue, viewer, resource.dataset).map_err(|_| not_found())?;
    Ok((resource, dataset))
}

/// A version with its resource and dataset, if the caller may see the dataset.
pub(crate) fn visible_version(
    catalogue: &Catalogue,
    viewer: &Viewer,
    id: i64,
) -> ApiResult<(model::Version, model::Dataset)> {
    let not_found = || {
        ApiError::not_found(
            format!("version {id} introuvable"),
            format!("version {id} not found"),
        )
    };
    let version = catalogue
        .store()
        .version(model::VersionId(id))?
        .ok_or_else(not_found)?;
    let (_, dataset) =
        visible_resource(catalogue, viewer, version.resource.0).map_err(|_| not_found())?;
    Ok((version, dataset))
}

// ---- Search ----

/// Lower-cases and removes French accents and punctuation, so that `Délibérations` and
/// `deliberations` match, and `cantine,` matches `cantine`.
pub(crate) fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => folded.push('a'),
            'ç' => folded.push('c'),
            'é' | 'è' | 'ê' | 'ë' => folded.push('e'),
            'î' | 'ï' | 'í' | 'ì' => folded.push('i'),
            'ñ' => folded.push('n'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => folded.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => folded.push('u'),
            'ÿ' | 'ý' => folded.push('y'),
            'œ' => folded.push_str("oe"),
            'æ' => folded.push_str("ae"),
            c if c.is_alphanumeric() => folded.push(c),
            _ => folded.push(' '),
        }
    }
    folded
}

/// The words of a search query, folded.
pub(crate) fn search_terms(query: &str) -> Vec<String> {
    fold(query).split_whitespace().map(str::to_owned).collect()
}

/// How well a text matches: `None` unless every term occurs in `text` (as a word prefix);
/// otherwise more for terms found in `title`.
pub(crate) fn search_score(terms: &[String], title: &str, text: &str) -> Option<usize> {
    let title = fold(title);
    let text = fold(text);
    let has_word_prefix = |haystack: &str, term: &str| {
        haystack
            .split_whitespace()
            .any(|word| word.starts_with(term))
    };
    let mut score = 0;
    for term in terms {
        if has_word_prefix(&title, term) {
            score += 2;
        } else if has_word_prefix(&text, term) {
            score += 1;
        } else {
            return None;
        }
    }
    Some(score)
}

// ---- Conversions to wire types ----

pub(crate) fn timestamp(at: model::jiff::Timestamp) -> String {
    at.to_string()
}

/// Organisations by id, to name producers and publishers.
pub(crate) struct Directory(HashMap<OrganisationId, model::Organisation>);

impl Directory {
    pub(crate) fn load(catalogue: &Catalogue) -> ApiResult<Directory> {
        Ok(Directory(
            catalogue
                .store()
                .list_organisations()?
                .into_iter()
                .map(|organisation| (organisation.id, organisation))
                .collect(),
        ))
    }

    pub(crate) fn reference(&self, id: OrganisationId) -> types::OrganisationRef {
        match self.0.get(&id) {
            Some(organisation) => types::OrganisationRef {
                id: id.0,
                siren: organisation.siren.to_string(),
                name: organisation.name.clone(),
            },
            None => types::OrganisationRef {
                id: id.0,
                siren: String::new(),
                name: String::new(),
            },
        }
    }
}

pub(crate) fn organisation(organisation: &model::Organisation) -> types::Organisation {
    types::Organisation {
        id: organisation.id.0,
        siren: organisation.siren.to_string(),
        name: organisation.name.clone(),
        kind: organisation.kind.as_str().to_owned(),
        kind_label: organisation.kind.label().to_owned(),
        territory: organisation.territory.as_ref().map(ToString::to_string),
        contact_email: organisation.contact_email.clone(),
        logo_url: organisation.logo_url.clone(),
        created_at: timestamp(organisation.created_at),
        modified_at: timestamp(organisation.modified_at),
        archived_at: organisation.archived_at.map(timestamp),
    }
}

pub(crate) fn dataset(dataset: &model::Dataset, directory: &Directory) -> types::Dataset {
    types::Dataset {
        id: dataset.id.0,
        slug: dataset.slug.to_string(),
        title: dataset.title.clone(),
        description: dataset.description.clone(),
        licence: dataset.licence.as_str().to_owned(),
        licence_label: dataset.licence.label().to_owned(),
        themes: dataset.themes.clone(),
        keywords: dataset.keywords.clone(),
        frequency: dataset
            .frequency
            .map(|frequency| frequency.as_str().to_owned()),
        temporal_start: dataset.temporal_start.map(|date| date.to_string()),
        temporal_end: dataset.temporal_end.map(|date| date.to_string()),
        spatial: dataset.spatial.as_ref().map(ToString::to_string),
        producer: directory.reference(dataset.producer),
        publisher: directory.reference(dataset.publisher),
        state: dataset.state.as_str().to_owned(),
        remote_id: dataset.remote_id.clone(),
        source_url: dataset.source_url.clone(),
        created_at: timestamp(dataset.created_at),
        modified_at: timestamp(dataset.modified_at),
    }
}

pub(crate) fn schema_ref(schema: &model::SchemaRef) -> types::SchemaRef {
    types::SchemaRef {
        name: schema.name.clone(),
        version: schema.version.clone(),
    }
}

pub(crate) fn resource(resource: &model::Resource) -> types::Resource {
    types::Resource {
        id: resource.id.0,
        dataset_id: resource.dataset.0,
        title: resource.title.clone(),
        description: resource.description.clone(),
        format: resource.format.clone(),
        schema: resource.schema.as_ref().map(schema_ref),
        remote_url: resource.remote_url.clone(),
        policy: resource.policy.as_str().to_owned(),
        live_version: resource.live_version.map(|id| id.0),
        created_at: timestamp(resource.created_at),
        modified_at: timestamp(resource.modified_at),
        archived_at: resource.archived_at.map(timestamp),
    }
}

pub(crate) fn version(version: &model::Version) -> types::Version {
    let id = version.id.0;
    types::Version {
        id,
        resource_id: version.resource.0,
        sha256: version.sha256.to_hex(),
        size: version.size,
        media_type: version.media_type.clone(),
        filename: version.filename.clone(),
        origin: version.origin.as_str().to_owned(),
        received_at: timestamp(version.received_at),
        status: version.status.as_str().to_owned(),
        conformant: version.conformant,
        row_count: version.row_count,
        indexes: version.indexes.as_str().to_owned(),
        schema: version.schema.as_ref().map(schema_ref),
        live_from: version.live_from.map(timestamp),
        live_until: version.live_until.map(timestamp),
        report_url: format!("/api/v1/versions/{id}/report"),
        original_url: format!("/api/v1/versions/{id}/original"),
    }
}

/// Reads an optional code field (`licence`, `kind`...) with the model's parser; 400 when wrong.
pub(crate) fn parse_optional<T>(
    text: Option<&str>,
    parse: impl Fn(&str) -> Result<T, model::ParseError>,
) -> ApiResult<Option<T>> {
    text.map(|text| parse(text).map_err(ApiError::from))
        .transpose()
}

/// An optional field of a change request: absent leaves it (`None`), blank clears it
/// (`Some(None)`), anything else is parsed (`Some(Some(value))`).
pub(crate) fn cleared_or_set<T>(
    text: Option<&str>,
    parse: impl Fn(&str) -> Result<T, model::ParseError>,
) -> ApiResult<Option<Option<T>>> {
    match text.map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(text) => Ok(Some(Some(parse(text)?))),
    }
}

/// A free-text optional field: blank means none.
pub(crate) fn non_blank(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_accents_case_and_punctuation() {
        assert_eq!(fold("Délibérations du Conseil"), "deliberations du conseil");
        assert_eq!(fold("ŒUVRES, cantine!"), "oeuvres  cantine ");
    }

    #[test]
    fn search_needs_every_term_and_prefers_titles() {
        let terms = search_terms("délib conseil");
        assert_eq!(
            search_score(&terms, "Délibérations", "du conseil municipal"),
            Some(3)
        );
        assert_eq!(
            search_score(&terms, "Délibérations du conseil", ""),
            Some(4)
        );
        assert_eq!(search_score(&terms, "Délibérations", "budget"), None);
        // Terms match word starts, not the middle of words.
        assert_eq!(
            search_score(&search_terms("liber"), "Délibérations", ""),
            None
        );
    }

    #[test]
    fn pages() {
        let page = paginate((1..=45).collect(), Some(3), Some(20)).unwrap();
        assert_eq!((page.data, page.total), (vec![41, 42, 43, 44, 45], 45));
        assert!(paginate(vec![1], Some(0), None).is_err());
        assert!(paginate(vec![1], None, Some(101)).is_err());
    }
}

//! Organisations, datasets, resources, users, memberships and API tokens on PostgreSQL.
//! Same statements as the SQLite engine's, with `$n` parameters and `RETURNING` ids.

use model::{
    ApiToken, ApiTokenId, Dataset, DatasetId, DatasetState, Frequency, Licence, Membership,
    NewApiToken, NewDataset, NewOrganisation, NewResource, NewUser, Organisation, OrganisationId,
    OrganisationKind, PublicationPolicy, Resource, ResourceId, Role, SchemaRef, Siren, Slug,
    TerritoryCode, User, UserId, VersionId,
};
use postgres::types::ToSql;
use postgres::{GenericClient, Row};

use super::codec::{get, parsed, parsed_opt};
use super::statements::Queries;
use super::{PgEngine, on_constraint, versions};
use crate::DatasetFilter;
use crate::error::{Error, Result};
use crate::sqlite::codec::{
    json_list, now, parse_date, parse_json_list, parse_timestamp, timestamp_text,
};

/// The parameters of one statement.
pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

const ORGANISATION_CONFLICTS: &[(&str, &str)] = &[(
    "organisation_siren_key",
    "une organisation avec ce SIREN existe déjà",
)];
const DATASET_CONFLICTS: &[(&str, &str)] =
    &[("dataset_slug_key", "un jeu de données utilise déjà ce slug")];
const USER_CONFLICTS: &[(&str, &str)] = &[(
    "user_account_email",
    "un compte utilise déjà cette adresse électronique",
)];
const TOKEN_CONFLICTS: &[(&str, &str)] = &[("api_token_token_hash_key", "ce jeton existe déjà")];

const ORGANISATION_COLUMNS: &str = "organisation_id, siren, name, kind, territory, contact_email, logo_url, created_at, modified_at, \
     archived_at";

fn organisation_from_row(row: &Row) -> Result<Organisation> {
    Ok(Organisation {
        id: OrganisationId(get(row, 0)?),
        siren: parsed(row, 1, Siren::parse)?,
        name: get(row, 2)?,
        kind: parsed(row, 3, OrganisationKind::parse)?,
        territory: parsed_opt(row, 4, TerritoryCode::parse)?,
        contact_email: get(row, 5)?,
        logo_url: get(row, 6)?,
        created_at: parsed(row, 7, parse_timestamp)?,
        modified_at: parsed(row, 8, parse_timestamp)?,
        archived_at: parsed_opt(row, 9, parse_timestamp)?,
    })
}

const DATASET_COLUMNS: &str = "dataset_id, slug, title, description, licence, themes, keywords, frequency, \
     temporal_start, temporal_end, spatial, producer_id, publisher_id, state, remote_id, source_url, created_at, modified_at";

fn dataset_from_row(row: &Row) -> Result<Dataset> {
    Ok(Dataset {
        id: DatasetId(get(row, 0)?),
        slug: parsed(row, 1, Slug::parse)?,
        title: get(row, 2)?,
        description: get(row, 3)?,
        licence: parsed(row, 4, Licence::parse)?,
        themes: parsed(row, 5, parse_json_list)?,
        keywords: parsed(row, 6, parse_json_list)?,
        frequency: parsed_opt(row, 7, Frequency::parse)?,
        temporal_start: parsed_opt(row, 8, parse_date)?,
        temporal_end: parsed_opt(row, 9, parse_date)?,
        spatial: parsed_opt(row, 10, TerritoryCode::parse)?,
        producer: OrganisationId(get(row, 11)?),
        publisher: OrganisationId(get(row, 12)?),
        state: parsed(row, 13, DatasetState::parse)?,
        remote_id: get(row, 14)?,
        source_url: get(row, 15)?,
        created_at: parsed(row, 16, parse_timestamp)?,
        modified_at: parsed(row, 17, parse_timestamp)?,
    })
}

const RESOURCE_COLUMNS: &str = "resource_id, dataset_id, title, description, format, schema_name, schema_version, \
     remote_url, policy, live_version_id, created_at, modified_at, archived_at";

fn resource_from_row(row: &Row) -> Result<Resource> {
    let schema_name: Option<String> = get(row, 5)?;
    let schema_version: Option<String> = get(row, 6)?;
    Ok(Resource {
        id: ResourceId(get(row, 0)?),
        dataset: DatasetId(get(row, 1)?),
        title: get(row, 2)?,
        description: get(row, 3)?,
        format: get(row, 4)?,
        schema: schema_name
            .zip(schema_version)
            .map(|(name, version)| SchemaRef { name, version }),
        remote_url: get(row, 7)?,
        policy: parsed(row, 8, PublicationPolicy::parse)?,
        live_version: get::<Option<i64>>(row, 9)?.map(VersionId),
        created_at: parsed(row, 10, parse_timestamp)?,
        modified_at: parsed(row, 11, parse_timestamp)?,
        archived_at: parsed_opt(row, 12, parse_timestamp)?,
    })
}

const USER_COLUMNS: &str = "user_id, email, display_name, password_hash, is_admin, created_at";

fn user_from_row(row: &Row) -> Result<User> {
    Ok(User {
        id: UserId(get(row, 0)?),
        email: get(row, 1)?,
        display_name: get(row, 2)?,
        password_hash: get(row, 3)?,
        is_admin: get(row, 4)?,
        created_at: parsed(row, 5, parse_timestamp)?,
    })
}

const TOKEN_COLUMNS: &str =
    "api_token_id, user_id, token_hash, label, scopes, expires_at, created_at";

fn token_from_row(row: &Row) -> Result<ApiToken> {
    Ok(ApiToken {
        id: ApiTokenId(get(row, 0)?),
        user: UserId(get(row, 1)?),
        token_hash: get(row, 2)?,
        label: get(row, 3)?,
        scopes: parsed(row, 4, parse_json_list)?,
        expires_at: parsed_opt(row, 5, parse_timestamp)?,
        created_at: parsed(row, 6, parse_timestamp)?,
    })
}

fn membership_from_row(row: &Row) -> Result<Membership> {
    Ok(Membership {
        user: UserId(get(row, 0)?),
        organisation: OrganisationId(get(row, 1)?),
        role: parsed(row, 2, Role::parse)?,
    })
}

/// Runs a query returning at most one row.
pub(super) fn query_one<T>(
    db: &mut impl Queries,
    sql: &str,
    params: Params<'_>,
    map: impl FnOnce(&Row) -> Result<T>,
) -> Result<Option<T>> {
    let rows = db.rows(sql, params)?;
    if rows.len() > 1 {
        return Err(Error::Corrupt(format!(
            "{} lignes là où une seule était attendue",
            rows.len()
        )));
    }
    rows.first().map(map).transpose()
}

/// Runs a query returning many rows.
pub(super) fn query_all<T>(
    db: &mut impl Queries,
    sql: &str,
    params: Params<'_>,
    map: impl FnMut(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    db.rows(sql, params)?.iter().map(map).collect()
}

/// Fails with `NotFound` when an UPDATE or DELETE touched nothing.
fn expect_changed(changed: u64, what: impl FnOnce() -> String) -> Result<()> {
    if changed == 0 {
        Err(Error::NotFound(what()))
    } else {
        Ok(())
    }
}

/// The id `INSERT … RETURNING` gave back.
fn returned_id(row: Row) -> Result<i64> {
    get(&row, 0)
}

fn organisation_by_id(db: &mut impl Queries, id: OrganisationId) -> Result<Option<Organisation>> {
    query_one(
        db,
        &format!("SELECT {ORGANISATION_COLUMNS} FROM organisation WHERE organisation_id = $1"),
        &[&id.0],
        organisation_from_row,
    )
}

pub(crate) fn dataset_by_id(db: &mut impl Queries, id: DatasetId) -> Result<Option<Dataset>> {
    query_one(
        db,
        &format!("SELECT {DATASET_COLUMNS} FROM dataset WHERE dataset_id = $1"),
        &[&id.0],
        dataset_from_row,
    )
}

pub(crate) fn resource_by_id(db: &mut impl Queries, id: ResourceId) -> Result<Option<Resource>> {
    query_one(
        db,
        &format!("SELECT {RESOURCE_COLUMNS} FROM resource WHERE resource_id = $1"),
        &[&id.0],
        resource_from_row,
    )
}

fn user_by_id(db: &mut impl Queries, id: UserId) -> Result<Option<User>> {
    query_one(
        db,
        &format!("SELECT {USER_COLUMNS} FROM user_account WHERE user_id = $1"),
        &[&id.0],
        user_from_row,
    )
}

fn token_by_id(db: &mut impl Queries, id: ApiTokenId) -> Result<Option<ApiToken>> {
    query_one(
        db,
        &format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE api_token_id = $1"),
        &[&id.0],
        token_from_row,
    )
}

/// Reads back a row just written by the same transaction.
fn written<T>(row: Option<T>, what: &str) -> Result<T> {
    row.ok_or_else(|| Error::Corrupt(format!("{what} écrit mais introuvable")))
}

impl PgEngine {
    pub(crate) fn create_organisation(&self, new: &NewOrganisation) -> Result<Organisation> {
        self.transaction(|tx| {
            let now = timestamp_text(now());
            let id = tx
                .query_one(
                    "INSERT INTO organisation (siren, name, kind, territory, contact_email, logo_url, created_at, modified_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING organisation_id",
                    &[
                        &new.siren.as_str(),
                        &new.name,
                        &new.kind.as_str(),
                        &new.territory.as_ref().map(ToString::to_string),
                        &new.contact_email,
                        &new.logo_url,
                        &now,
                    ],
                )
                .map_err(|error| on_constraint(error, ORGANISATION_CONFLICTS))?;
            written(organisation_by_id(tx, OrganisationId(returned_id(id)?))?, "organisation")
        })
    }

    pub(crate) fn update_organisation(
        &self,
        id: OrganisationId,
        new: &NewOrganisation,
    ) -> Result<Organisation> {
        self.transaction(|tx| {
            let changed = tx
                .execute(
                    "UPDATE organisation SET siren = $2, name = $3, kind = $4, territory = $5, contact_email = $6,
                         logo_url = $7, modified_at = $8
                     WHERE organisation_id = $1",
                    &[
                        &id.0,
                        &new.siren.as_str(),
                        &new.name,
                        &new.kind.as_str(),
                        &new.territory.as_ref().map(ToString::to_string),
                        &new.contact_email,
                        &new.logo_url,
                        &timestamp_text(now()),
                    ],
                )
                .map_err(|error| on_constraint(error, ORGANISATION_CONFLICTS))?;
            expect_changed(changed, || format!("organisation {id}"))?;
            written(organisation_by_id(tx, id)?, "organisation")
        })
    }

    /// Marks an organisation archived (keeping the first archiving time when it already is).
    pub(crate) fn archive_organisation(&self, id: OrganisationId) -> Result<Organisation> {
        self.transaction(|tx| {
            let changed = tx.execute(
                    "UPDATE organisation SET archived_at = coalesce(archived_at, $2), modified_at = $2 WHERE organisation_id = $1",
                    &[&id.0, &timestamp_text(now())],
                )?;
            expect_changed(changed, || format!("organisation {id}"))?;
            written(organisation_by_id(tx, id)?, "organisation")
        })
    }

    pub(crate) fn delete_organisation(&self, id: OrganisationId) -> Result<()> {
        self.transaction(|tx| {
            let changed = tx
                .execute("DELETE FROM organisation WHERE organisation_id = $1", &[&id.0])
                .map_err(|error| {
                    on_constraint(error, &[("FOREIGN KEY", "cette organisation a encore des jeux de données ou des versions publiées")])
                })?;
            expect_changed(changed, || format!("organisation {id}"))
        })
    }

    pub(crate) fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>> {
        self.read_cached(|db| organisation_by_id(db, id))
    }

    pub(crate) fn organisation_by_siren(&self, siren: &Siren) -> Result<Option<Organisation>> {
        self.read_cached(|db| {
            query_one(
                db,
                &format!("SELECT {ORGANISATION_COLUMNS} FROM organisation WHERE siren = $1"),
                &[&siren.as_str()],
                organisation_from_row,
            )
        })
    }

    pub(crate) fn list_organisations(&self) -> Result<Vec<Organisation>> {
        self.read_cached(|db| {
            query_all(
                db,
                // C collation: the same order as SQLite's BINARY comparison.
                &format!(
                    "SELECT {ORGANISATION_COLUMNS} FROM organisation ORDER BY name COLLATE \"C\", organisation_id"
                ),
                &[],
                organisation_from_row,
            )
        })
    }

    pub(crate) fn create_dataset(&self, new: &NewDataset) -> Result<Dataset> {
        self.transaction(|tx| {
            let now = timestamp_text(now());
            let id = tx
                .query_one(
                    "INSERT INTO dataset (slug, title, description, licence, themes, keywords, frequency, temporal_start,
                         temporal_end, spatial, producer_id, publisher_id, state, remote_id, source_url, created_at, modified_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
                     RETURNING dataset_id",
                    &[
                        &new.slug.as_str(),
                        &new.title,
                        &new.description,
                        &new.licence.as_str(),
                        &json_list(&new.themes),
                        &json_list(&new.keywords),
                        &new.frequency.map(|frequency| frequency.as_str()),
                        &new.temporal_start.map(|date| date.to_string()),
                        &new.temporal_end.map(|date| date.to_string()),
                        &new.spatial.as_ref().map(ToString::to_string),
                        &new.producer.0,
                        &new.publisher.0,
                        &new.state.as_str(),
                        &new.remote_id,
                        &new.source_url,
                        &now,
                    ],
                )
                .map_err(|error| on_constraint(error, DATASET_CONFLICTS))?;
            written(dataset_by_id(tx, DatasetId(returned_id(id)?))?, "jeu de données")
        })
    }

    pub(crate) fn update_dataset(&self, id: DatasetId, new: &NewDataset) -> Result<Dataset> {
        self.transaction(|tx| {
            let changed = tx
                .execute(
                    "UPDATE dataset SET slug = $2, title = $3, description = $4, licence = $5, themes = $6, keywords = $7,
                         frequency = $8, temporal_start = $9, temporal_end = $10, spatial = $11, producer_id = $12,
                         publisher_id = $13, state = $14, remote_id = $15, source_url = $16, modified_at = $17
                     WHERE dataset_id = $1",
                    &[
                        &id.0,
                        &new.slug.as_str(),
                        &new.title,
                        &new.description,
                        &new.licence.as_str(),
                        &json_list(&new.themes),
                        &json_list(&new.keywords),
                        &new.frequency.map(|frequency| frequency.as_str()),
                        &new.temporal_start.map(|date| date.to_string()),
                        &new.temporal_end.map(|date| date.to_string()),
                        &new.spatial.as_ref().map(ToString::to_string),
                        &new.producer.0,
                        &new.publisher.0,
                        &new.state.as_str(),
                        &new.remote_id,
                        &new.source_url,
                        &timestamp_text(now()),
                    ],
                )
                .map_err(|error| on_constraint(error, DATASET_CONFLICTS))?;
            expect_changed(changed, || format!("jeu de données {id}"))?;
            written(dataset_by_id(tx, id)?, "jeu de données")
        })
    }

    /// Deletes a dataset, its resources, their versions and the versions' tables.
    pub(crate) fn delete_dataset(&self, id: DatasetId) -> Result<()> {
        self.transaction(|tx| {
            drop_tables_of_versions(
                tx,
                "SELECT version_id FROM version JOIN resource USING (resource_id) WHERE dataset_id = $1",
                id.0,
            )?;
            let changed = tx.execute("DELETE FROM dataset WHERE dataset_id = $1", &[&id.0])?;
            expect_changed(changed, || format!("jeu de données {id}"))
        })
    }

    pub(crate) fn dataset(&self, id: DatasetId) -> Result<Option<Dataset>> {
        self.read_cached(|db| dataset_by_id(db, id))
    }

    pub(crate) fn dataset_by_slug(&self, slug: &Slug) -> Result<Option<Dataset>> {
        self.read_cached(|db| {
            query_one(
                db,
                &format!("SELECT {DATASET_COLUMNS} FROM dataset WHERE slug = $1"),
                &[&slug.as_str()],
                dataset_from_row,
            )
        })
    }

    pub(crate) fn dataset_by_remote_id(&self, remote_id: &str) -> Result<Option<Dataset>> {
        self.read_cached(|db| {
            query_one(
                db,
                &format!("SELECT {DATASET_COLUMNS} FROM dataset WHERE remote_id = $1 ORDER BY dataset_id LIMIT 1"),
                &[&remote_id],
                dataset_from_row,
            )
        })
    }

    pub(crate) fn list_datasets(&self, filter: &DatasetFilter) -> Result<Vec<Dataset>> {
        self.read_cached(|db| {
            query_all(
                db,
                &format!(
                    "SELECT {DATASET_COLUMNS} FROM dataset
                     WHERE ($1::bigint IS NULL OR producer_id = $1 OR publisher_id = $1)
                       AND ($2::text IS NULL OR state = $2)
                     ORDER BY modified_at DESC, dataset_id DESC"
                ),
                &[
                    &filter.organisation.map(|id| id.0),
                    &filter.state.map(|state| state.as_str()),
                ],
                dataset_from_row,
            )
        })
    }

    pub(crate) fn create_resource(&self, new: &NewResource) -> Result<Resource> {
        self.transaction(|tx| {
            let now = timestamp_text(now());
            let id = tx
                .query_one(
                    "INSERT INTO resource (dataset_id, title, description, format, schema_name, schema_version, remote_url,
                         policy, created_at, modified_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING resource_id",
                    &[
                        &new.dataset.0,
                        &new.title,
                        &new.description,
                        &new.format,
                        &new.schema.as_ref().map(|schema| &schema.name),
                        &new.schema.as_ref().map(|schema| &schema.version),
                        &new.remote_url,
                        &new.policy.as_str(),
                        &now,
                    ],
                )
                .map_err(|error| on_constraint(error, &[("FOREIGN KEY", "ce jeu de données n'existe pas")]))?;
            written(resource_by_id(tx, ResourceId(returned_id(id)?))?, "ressource")
        })
    }

    /// Updates a resource's metadata. Its live version is not touched: only publishing moves it.
    pub(crate) fn update_resource(&self, id: ResourceId, new: &NewResource) -> Result<Resource> {
        self.transaction(|tx| {
            let changed = tx
                .execute(
                    "UPDATE resource SET dataset_id = $2, title = $3, description = $4, format = $5, schema_name = $6,
                         schema_version = $7, remote_url = $8, policy = $9, modified_at = $10
                     WHERE resource_id = $1",
                    &[
                        &id.0,
                        &new.dataset.0,
                        &new.title,
                        &new.description,
                        &new.format,
                        &new.schema.as_ref().map(|schema| &schema.name),
                        &new.schema.as_ref().map(|schema| &schema.version),
                        &new.remote_url,
                        &new.policy.as_str(),
                        &timestamp_text(now()),
                    ],
                )
                .map_err(|error| on_constraint(error, &[("FOREIGN KEY", "ce jeu de données n'existe pas")]))?;
            expect_changed(changed, || format!("ressource {id}"))?;
            written(resource_by_id(tx, id)?, "ressource")
        })
    }

    /// Marks a resource archived (keeping the first archiving time when it already is).
    pub(crate) fn archive_resource(&self, id: ResourceId) -> Result<Resource> {
        self.transaction(|tx| {
            let changed = tx.execute(
                    "UPDATE resource SET archived_at = coalesce(archived_at, $2), modified_at = $2 WHERE resource_id = $1",
                    &[&id.0, &timestamp_text(now())],
                )?;
            expect_changed(changed, || format!("ressource {id}"))?;
            written(resource_by_id(tx, id)?, "ressource")
        })
    }

    pub(crate) fn delete_resource(&self, id: ResourceId) -> Result<()> {
        self.transaction(|tx| {
            drop_tables_of_versions(
                tx,
                "SELECT version_id FROM version WHERE resource_id = $1",
                id.0,
            )?;
            let changed = tx.execute("DELETE FROM resource WHERE resource_id = $1", &[&id.0])?;
            expect_changed(changed, || format!("ressource {id}"))
        })
    }

    pub(crate) fn resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        self.read_cached(|db| resource_by_id(db, id))
    }

    pub(crate) fn resources_of_dataset(&self, dataset: DatasetId) -> Result<Vec<Resource>> {
        self.read_cached(|db| {
            query_all(
                db,
                &format!("SELECT {RESOURCE_COLUMNS} FROM resource WHERE dataset_id = $1 ORDER BY resource_id"),
                &[&dataset.0],
                resource_from_row,
            )
        })
    }

    pub(crate) fn resources_by_schema(&self, schema_name: &str) -> Result<Vec<Resource>> {
        self.read_cached(|db| {
            query_all(
                db,
                &format!("SELECT {RESOURCE_COLUMNS} FROM resource WHERE schema_name = $1 ORDER BY resource_id"),
                &[&schema_name],
                resource_from_row,
            )
        })
    }

    pub(crate) fn create_user(&self, new: &NewUser) -> Result<User> {
        self.transaction(|tx| {
            let id = tx
                .query_one(
                    "INSERT INTO user_account (email, display_name, password_hash, is_admin, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING user_id",
                    &[&new.email, &new.display_name, &new.password_hash, &new.is_admin, &timestamp_text(now())],
                )
                .map_err(|error| on_constraint(error, USER_CONFLICTS))?;
            written(user_by_id(tx, UserId(returned_id(id)?))?, "compte")
        })
    }

    pub(crate) fn update_user(&self, id: UserId, new: &NewUser) -> Result<User> {
        self.transaction(|tx| {
            let changed = tx
                .execute(
                    "UPDATE user_account SET email = $2, display_name = $3, password_hash = $4, is_admin = $5
                     WHERE user_id = $1",
                    &[&id.0, &new.email, &new.display_name, &new.password_hash, &new.is_admin],
                )
                .map_err(|error| on_constraint(error, USER_CONFLICTS))?;
            expect_changed(changed, || format!("compte {id}"))?;
            written(user_by_id(tx, id)?, "compte")
        })
    }

    pub(crate) fn delete_user(&self, id: UserId) -> Result<()> {
        self.transaction(|tx| {
            let changed = tx.execute("DELETE FROM user_account WHERE user_id = $1", &[&id.0])?;
            expect_changed(changed, || format!("compte {id}"))
        })
    }

    pub(crate) fn user(&self, id: UserId) -> Result<Option<User>> {
        self.read_cached(|db| user_by_id(db, id))
    }

    /// Case-insensitive, through the unique index on lower(email).
    pub(crate) fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        self.read_cached(|db| {
            query_one(
                db,
                &format!("SELECT {USER_COLUMNS} FROM user_account WHERE lower(email) = lower($1)"),
                &[&email],
                user_from_row,
            )
        })
    }

    pub(crate) fn list_users(&self) -> Result<Vec<User>> {
        self.read_cached(|db| {
            query_all(
                db,
                &format!("SELECT {USER_COLUMNS} FROM user_account ORDER BY user_id"),
                &[],
                user_from_row,
            )
        })
    }

    pub(crate) fn set_membership(
        &self,
        user: UserId,
        organisation: OrganisationId,
        role: Option<Role>,
    ) -> Result<()> {
        self.transaction(|tx| {
            match role {
                Some(role) => {
                    tx.execute(
                        "INSERT INTO membership (user_id, organisation_id, role) VALUES ($1, $2, $3)
                         ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = excluded.role",
                        &[&user.0, &organisation.0, &role.as_str()],
                    )
                    .map_err(|error| on_constraint(error, &[("FOREIGN KEY", "ce compte ou cette organisation n'existe pas")]))?;
                }
                None => {
                    tx.execute(
                        "DELETE FROM membership WHERE user_id = $1 AND organisation_id = $2",
                        &[&user.0, &organisation.0],
                    )?;
                }
            }
            Ok(())
        })
    }

    pub(crate) fn memberships_of_user(&self, user: UserId) -> Result<Vec<Membership>> {
        self.read_cached(|db| {
            query_all(
                db,
                "SELECT user_id, organisation_id, role FROM membership WHERE user_id = $1 ORDER BY organisation_id",
                &[&user.0],
                membership_from_row,
            )
        })
    }

    pub(crate) fn members_of_organisation(
        &self,
        organisation: OrganisationId,
    ) -> Result<Vec<Membership>> {
        self.read_cached(|db| {
            query_all(
                db,
                "SELECT user_id, organisation_id, role FROM membership WHERE organisation_id = $1 ORDER BY user_id",
                &[&organisation.0],
                membership_from_row,
            )
        })
    }

    pub(crate) fn create_api_token(&self, new: &NewApiToken) -> Result<ApiToken> {
        self.transaction(|tx| {
            let id = tx
                .query_one(
                    "INSERT INTO api_token (user_id, token_hash, label, scopes, expires_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING api_token_id",
                    &[
                        &new.user.0,
                        &new.token_hash,
                        &new.label,
                        &json_list(&new.scopes),
                        &new.expires_at.map(timestamp_text),
                        &timestamp_text(now()),
                    ],
                )
                .map_err(|error| on_constraint(error, TOKEN_CONFLICTS))?;
            written(token_by_id(tx, ApiTokenId(returned_id(id)?))?, "jeton")
        })
    }

    pub(crate) fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        self.read_cached(|db| {
            query_one(
                db,
                &format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE token_hash = $1"),
                &[&token_hash],
                token_from_row,
            )
        })
    }

    pub(crate) fn api_tokens_of_user(&self, user: UserId) -> Result<Vec<ApiToken>> {
        self.read_cached(|db| {
            query_all(
                db,
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_token WHERE user_id = $1 ORDER BY api_token_id"
                ),
                &[&user.0],
                token_from_row,
            )
        })
    }

    pub(crate) fn delete_api_token(&self, id: ApiTokenId) -> Result<()> {
        self.transaction(|tx| {
            let changed = tx.execute("DELETE FROM api_token WHERE api_token_id = $1", &[&id.0])?;
            expect_changed(changed, || format!("jeton {id}"))
        })
    }
}

/// Drops the row tables of the versions `select_versions` lists (one `$1` parameter): the
/// cascade of `DELETE` removes their metadata, not their tables.
fn drop_tables_of_versions(
    tx: &mut impl GenericClient,
    select_versions: &str,
    id: i64,
) -> Result<()> {
    let version_ids: Vec<i64> = query_all(tx, select_versions, &[&id], |row| get(row, 0))?;
    for version_id in version_ids {
        versions::drop_version_tables(tx, VersionId(version_id))?;
    }
    Ok(())
}

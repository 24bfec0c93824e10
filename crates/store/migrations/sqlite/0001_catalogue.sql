-- 0001: the catalogue — organisations, datasets, resources, versions, users, API tokens.
--
-- Conventions used by every table below:
-- * Ids are `INTEGER PRIMARY KEY AUTOINCREMENT`. AUTOINCREMENT forbids reusing the id of a deleted
--   row, so an id that once appeared in a URL or in harvested metadata never names something else.
-- * Timestamps are UTC text `YYYY-MM-DDTHH:MM:SS.ffffffZ`: fixed width, so text order is time order.
--   Dates are `YYYY-MM-DD`.
-- * Enumerations are the text codes of the `model` crate, guarded by CHECK constraints so that a
--   bug cannot store a code the program would fail to read back.
-- * Lists of strings (themes, keywords, scopes) are JSON arrays: they are read and written whole.
-- The migration runner (src/sqlite/migrate.rs) applies this file in one transaction and records it
-- in `schema_migrations`.

CREATE TABLE organisation (
    organisation_id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Checked (9 digits, Luhn key) by model::Siren before it gets here.
    siren           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('commune', 'epci', 'departement', 'region', 'etat', 'syndicat-mixte', 'autre')),
    -- A model::TerritoryCode in its `level:code` form (`commune:34172`, `epci:243400017`...).
    territory       TEXT,
    contact_email   TEXT,
    logo_url        TEXT,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL
);

CREATE TABLE dataset (
    dataset_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    slug            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    -- Markdown.
    description     TEXT NOT NULL DEFAULT '',
    licence         TEXT NOT NULL DEFAULT 'etalab-2.0' CHECK (licence IN ('etalab-2.0', 'odbl-1.0')),
    themes          TEXT NOT NULL DEFAULT '[]',
    keywords        TEXT NOT NULL DEFAULT '[]',
    -- A code of the EU frequency authority table (`MONTHLY`, `ANNUAL`...).
    frequency       TEXT,
    temporal_start  TEXT,
    temporal_end    TEXT,
    spatial         TEXT,
    -- Producer and publisher differ when an organisation publishes on behalf of another.
    -- No ON DELETE: an organisation that still has datasets cannot be deleted.
    producer_id     INTEGER NOT NULL REFERENCES organisation (organisation_id),
    publisher_id    INTEGER NOT NULL REFERENCES organisation (organisation_id),
    state           TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'archived')),
    -- For harvested datasets (empty until harvesting exists).
    remote_id       TEXT,
    source_url      TEXT,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL
);

CREATE INDEX dataset_producer ON dataset (producer_id);
CREATE INDEX dataset_publisher ON dataset (publisher_id);
CREATE INDEX dataset_remote ON dataset (remote_id) WHERE remote_id IS NOT NULL;

CREATE TABLE resource (
    resource_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id      INTEGER NOT NULL REFERENCES dataset (dataset_id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    format          TEXT NOT NULL,
    -- The declared Table Schema, name and exact version (both or neither).
    schema_name     TEXT,
    schema_version  TEXT,
    remote_url      TEXT,
    policy          TEXT NOT NULL DEFAULT 'strict' CHECK (policy IN ('strict', 'lenient')),
    -- The version readers are served. Flipped, together with the versions' statuses and the live
    -- periods, in the single transaction that publishes a version.
    live_version_id INTEGER REFERENCES version (version_id),
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL,
    CHECK ((schema_name IS NULL) = (schema_version IS NULL))
);

CREATE INDEX resource_dataset ON resource (dataset_id);
-- Consolidation starts from "every resource declaring schema S".
CREATE INDEX resource_schema ON resource (schema_name, schema_version) WHERE schema_name IS NOT NULL;

-- "user" is reserved in PostgreSQL; the same name is used for both engines.
CREATE TABLE user_account (
    user_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name    TEXT NOT NULL,
    -- An argon2 PHC string, computed by the caller. NULL: cannot log in with a password.
    password_hash   TEXT,
    is_admin        INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at      TEXT NOT NULL
);

CREATE TABLE version (
    version_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id     INTEGER NOT NULL REFERENCES resource (resource_id) ON DELETE CASCADE,
    -- Address of the original bytes in the blob store (lower-case hex).
    sha256          TEXT NOT NULL,
    size            INTEGER NOT NULL,
    media_type      TEXT NOT NULL,
    filename        TEXT,
    origin          TEXT NOT NULL CHECK (origin IN ('upload', 'cli', 'url', 'harvest', 'consolidation')),
    received_by     INTEGER REFERENCES user_account (user_id) ON DELETE SET NULL,
    received_at     TEXT NOT NULL,
    -- The validation report as JSON text (its format belongs to the tableschema crate).
    report          TEXT,
    row_count       INTEGER,
    -- `pending`: being loaded; never shown, deleted with its table when the store opens after a
    -- crash. The other statuses are model::VersionStatus.
    status          TEXT NOT NULL CHECK (status IN ('pending', 'published', 'rejected', 'superseded')),
    conformant      INTEGER NOT NULL DEFAULT 0 CHECK (conformant IN (0, 1)),
    -- Copies of the resource's schema and the dataset's producer at publication time: consolidation
    -- and change feeds need what was true then, not what the metadata says today.
    schema_name     TEXT,
    schema_version  TEXT,
    producer_id     INTEGER NOT NULL REFERENCES organisation (organisation_id),
    -- The columns of the version's table, JSON [{"name": ..., "type": ...}]; NULL without a table.
    columns         TEXT,
    -- Publishing the same bytes twice to a resource finds the existing version.
    UNIQUE (resource_id, sha256)
);

CREATE INDEX version_schema ON version (schema_name, schema_version, status) WHERE schema_name IS NOT NULL;
CREATE INDEX version_sha256 ON version (sha256);

-- When each version was served. A version restored after a rollback gets a second period.
CREATE TABLE live_period (
    resource_id     INTEGER NOT NULL REFERENCES resource (resource_id) ON DELETE CASCADE,
    version_id      INTEGER NOT NULL REFERENCES version (version_id) ON DELETE CASCADE,
    live_from       TEXT NOT NULL,
    live_until      TEXT,
    PRIMARY KEY (version_id, live_from)
);

-- At most one open period per resource: the database itself refuses two live versions.
CREATE UNIQUE INDEX live_period_open ON live_period (resource_id) WHERE live_until IS NULL;
CREATE INDEX live_period_resource ON live_period (resource_id, live_from);

CREATE TABLE membership (
    user_id         INTEGER NOT NULL REFERENCES user_account (user_id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisation (organisation_id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
    PRIMARY KEY (user_id, organisation_id)
);

CREATE INDEX membership_organisation ON membership (organisation_id);

-- Only a hash of each token is kept; the secret is shown once to its owner.
CREATE TABLE api_token (
    api_token_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES user_account (user_id) ON DELETE CASCADE,
    token_hash      TEXT NOT NULL UNIQUE,
    label           TEXT NOT NULL DEFAULT '',
    scopes          TEXT NOT NULL DEFAULT '[]',
    expires_at      TEXT,
    created_at      TEXT NOT NULL
);

CREATE INDEX api_token_user ON api_token (user_id);

-- 0002 (PostgreSQL): administrative referentials (communes, EPCI, départements, régions).
--
-- Filled by `Store::import_referentials`, which replaces the four tables in one transaction,
-- usually from the CSV files bundled in the binary (crates/store/referentiels/, see SOURCES.md).
-- No foreign keys between them: the sources come from different vintages (EPCI populations lag
-- one year behind communes), and a referential import must never fail on a dangling code.
-- Names carry the `ref_` prefix to keep them apart from the catalogue's own tables.

CREATE TABLE ref_region (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    -- INSEE code of the commune hosting the prefecture of région.
    chef_lieu   TEXT NOT NULL,
    -- `metro`, `drom` or `com`.
    zone        TEXT NOT NULL
);

CREATE TABLE ref_departement (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL,
    chef_lieu   TEXT NOT NULL,
    zone        TEXT NOT NULL
);

CREATE TABLE ref_epci (
    siren                TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    -- `CC`, `CA`, `CU`, `METRO`, `MET69`.
    kind                 TEXT NOT NULL,
    -- `FPU` (fiscalité professionnelle unique) or `FA` (fiscalité additionnelle).
    financing            TEXT NOT NULL,
    population_total     BIGINT,
    population_municipal BIGINT,
    commune_count        BIGINT
);

CREATE TABLE ref_commune (
    code_insee          TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    zone                TEXT NOT NULL,
    -- Population municipale; NULL for the uninhabited COM entries.
    population          BIGINT,
    departement_code    TEXT NOT NULL,
    region_code         TEXT NOT NULL,
    arrondissement_code TEXT,
    siren               TEXT,
    epci_siren          TEXT,
    -- Space-separated, as in the source.
    postal_codes        TEXT NOT NULL DEFAULT ''
);

CREATE INDEX ref_commune_epci ON ref_commune (epci_siren);
CREATE INDEX ref_commune_departement ON ref_commune (departement_code);
CREATE INDEX ref_commune_siren ON ref_commune (siren);

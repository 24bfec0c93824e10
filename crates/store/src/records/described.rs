//! The descriptions of version tables a records query needs (columns, row count, whether the
//! full-text index is built, PostgreSQL's columns kept as text), kept in memory once a
//! version's indexes are ready, so that a page does not read them from the catalogue again.
//!
//! Safe across servers: a version's description never changes once its indexes are ready (its
//! columns and row count are fixed at the flip, and its indexes never go back to `building`),
//! and version ids are never reused (`AUTOINCREMENT` on SQLite, a sequence on PostgreSQL). A
//! version whose rows are gone later is still refused: every query checks that its table
//! exists, in the query's own read snapshot.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use model::VersionId;

use super::exec::VersionTable;

/// Descriptions kept at most; beyond, they are all dropped and read again as needed (a few
/// hundred versions in daily use is far more than an instance serves).
const MAX_KEPT: usize = 256;

#[derive(Default)]
pub(crate) struct DescribedVersions {
    kept: Mutex<HashMap<VersionId, Arc<VersionTable>>>,
}

impl DescribedVersions {
    pub(crate) fn get(&self, version: VersionId) -> Option<Arc<VersionTable>> {
        self.lock().get(&version).cloned()
    }

    /// Keeps the description of a version whose indexes are ready.
    pub(crate) fn keep(&self, table: Arc<VersionTable>) {
        let mut kept = self.lock();
        if kept.len() >= MAX_KEPT {
            kept.clear();
        }
        kept.insert(table.version, table);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<VersionId, Arc<VersionTable>>> {
        // The map is consistent at every step: a panic elsewhere leaves nothing half-written.
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

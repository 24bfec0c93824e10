//! The total counts of filtered pages, kept in memory: a published version never changes, so
//! the count of one filter on one version (exact, or the estimate from its sampled runs) is the
//! same at every request. Paging through a filtered result (cursor pages 2, 3, …) then reads
//! its count once, and a popular filter is counted once per process.
//!
//! Cannot go stale: a count is kept only for a version whose indexes are ready (before, a
//! filter an index will serve may be estimated from a scan, and the same filter counted
//! exactly afterwards), and its key names the version's rows beyond doubt: the version id,
//! which is never handed out twice (`AUTOINCREMENT` on SQLite, a sequence on PostgreSQL; the
//! table name `rows_v{id}` derives from it), the SHA-256 of the file its rows were loaded from
//! (should a database ever be replaced under a running server), and the whole SQL selecting the
//! matching rows with its parameters, and the exact-count limit. A version whose rows were
//! dropped since is refused before its count is looked up: every query checks that its table
//! exists in its own read snapshot.
//!
//! Bounded: at most [`MAX_KEPT`] counts, replaced by the CLOCK rule (an approximation of least
//! recently used: a count read since the hand last passed it gets a second chance), and only
//! keys up to [`MAX_KEY_BYTES`] (a filter listing thousands of values is counted every time).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use model::{Sha256, VersionId};

/// Counts kept at most.
const MAX_KEPT: usize = 2048;
/// Longest key kept (SQL text and printed parameters), so that the memory of the cache stays
/// under a few MiB whatever the filters.
const MAX_KEY_BYTES: usize = 2048;

/// What a count depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CountKey {
    pub(crate) version: VersionId,
    /// The file the version's rows were loaded from.
    pub(crate) sha256: Sha256,
    pub(crate) exact_count_limit: u64,
    /// The SQL selecting the matching rows, then each parameter printed by `{:?}` (distinct
    /// values print differently; text is quoted and escaped, so nothing runs into the next).
    pub(crate) matching: String,
}

impl CountKey {
    fn bytes(&self) -> usize {
        self.matching.len()
    }
}

/// A count as the page reports it before the page's own rows are taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeptCount {
    pub(crate) total: u64,
    pub(crate) estimated: bool,
}

impl KeptCount {
    /// The total a page reports, having seen `seen` matching rows (those before it, on it, and
    /// the one after it): an estimate is never below them.
    pub(crate) fn with_page(self, seen: u64) -> u64 {
        if self.estimated {
            self.total.max(seen)
        } else {
            self.total
        }
    }
}

#[derive(Default)]
pub(crate) struct KeptCounts {
    clock: Mutex<Clock>,
    /// Counts answered from the cache, for tests to tell a kept count from a fresh one.
    #[cfg(test)]
    hits: std::sync::atomic::AtomicU64,
}

impl KeptCounts {
    pub(crate) fn get(&self, key: &CountKey) -> Option<KeptCount> {
        let kept = self.lock().get(key);
        #[cfg(test)]
        if kept.is_some() {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        kept
    }

    pub(crate) fn keep(&self, key: CountKey, count: KeptCount) {
        if key.bytes() <= MAX_KEY_BYTES {
            self.lock().keep(key, count, MAX_KEPT);
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().slots.len()
    }

    #[cfg(test)]
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    #[cfg(test)]
    pub(crate) fn clear(&self) {
        *self.lock() = Clock::default();
    }

    fn lock(&self) -> MutexGuard<'_, Clock> {
        // Every step leaves the clock consistent: a panic elsewhere leaves nothing half-written.
        self.clock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Slots in a ring and a hand going round them: a full clock replaces the first slot the hand
/// finds unread since its last pass, clearing the read mark of those it passes.
#[derive(Default)]
struct Clock {
    slots: Vec<Slot>,
    positions: HashMap<Arc<CountKey>, usize>,
    hand: usize,
}

struct Slot {
    key: Arc<CountKey>,
    count: KeptCount,
    read: bool,
}

impl Clock {
    fn get(&mut self, key: &CountKey) -> Option<KeptCount> {
        let position = *self.positions.get(key)?;
        let slot = &mut self.slots[position];
        slot.read = true;
        Some(slot.count)
    }

    fn keep(&mut self, key: CountKey, count: KeptCount, capacity: usize) {
        if let Some(&position) = self.positions.get(&key) {
            self.slots[position].count = count;
            return;
        }
        let key = Arc::new(key);
        let slot = Slot {
            key: Arc::clone(&key),
            count,
            read: false,
        };
        if self.slots.len() < capacity {
            self.positions.insert(key, self.slots.len());
            self.slots.push(slot);
            return;
        }
        let Some(victim) = self.next_victim() else {
            return;
        };
        self.positions.remove(&self.slots[victim].key);
        self.positions.insert(key, victim);
        self.slots[victim] = slot;
    }

    /// The slot to replace: the first one unread since the hand last passed it (at most one
    /// full turn, since the hand clears the marks it passes); `None` on an empty clock.
    fn next_victim(&mut self) -> Option<usize> {
        let len = self.slots.len();
        if len == 0 {
            return None;
        }
        loop {
            let position = self.hand;
            self.hand = (self.hand + 1) % len;
            let slot = &mut self.slots[position];
            if !slot.read {
                return Some(position);
            }
            slot.read = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(version: i64, matching: &str) -> CountKey {
        CountKey {
            version: VersionId(version),
            sha256: Sha256([7; 32]),
            exact_count_limit: 100,
            matching: matching.to_owned(),
        }
    }

    fn count(total: u64) -> KeptCount {
        KeptCount {
            total,
            estimated: false,
        }
    }

    #[test]
    fn keys_differing_in_any_part_are_different_entries() {
        let counts = KeptCounts::default();
        let base = key(1, "SELECT 1 WHERE c0 = ?; [Text(\"a\")]");
        let variants = [
            CountKey {
                version: VersionId(2),
                ..base.clone()
            },
            CountKey {
                sha256: Sha256([8; 32]),
                ..base.clone()
            },
            CountKey {
                exact_count_limit: 101,
                ..base.clone()
            },
            key(1, "SELECT 1 WHERE c0 = ?; [Text(\"b\")]"),
        ];
        counts.keep(base.clone(), count(1));
        for (i, variant) in variants.iter().enumerate() {
            assert_eq!(counts.get(variant), None, "{variant:?}");
            counts.keep(variant.clone(), count(10 + i as u64));
        }
        assert_eq!(counts.get(&base), Some(count(1)));
        for (i, variant) in variants.iter().enumerate() {
            assert_eq!(counts.get(variant), Some(count(10 + i as u64)));
        }
        assert_eq!(counts.len(), 5);
    }

    #[test]
    fn the_clock_stays_bounded_and_spares_what_was_read() {
        let mut clock = Clock::default();
        for i in 0..4 {
            clock.keep(key(i, "q"), count(i as u64), 4);
        }
        // Read 0 and 2: the next two insertions replace 1 and 3.
        assert!(clock.get(&key(0, "q")).is_some());
        assert!(clock.get(&key(2, "q")).is_some());
        clock.keep(key(4, "q"), count(4), 4);
        clock.keep(key(5, "q"), count(5), 4);
        assert_eq!(clock.slots.len(), 4);
        assert_eq!(clock.positions.len(), 4);
        for (version, kept) in [
            (0, true),
            (1, false),
            (2, true),
            (3, false),
            (4, true),
            (5, true),
        ] {
            assert_eq!(clock.get(&key(version, "q")).is_some(), kept, "{version}");
        }
        // Many more keys than slots: still bounded, every position names its own slot.
        for i in 6..1000 {
            clock.keep(key(i, "q"), count(i as u64), 4);
            assert_eq!(clock.get(&key(i, "q")), Some(count(i as u64)));
        }
        assert_eq!(clock.slots.len(), 4);
        assert_eq!(clock.positions.len(), 4);
        for (key, &position) in &clock.positions {
            assert_eq!(&clock.slots[position].key, key);
        }
    }

    #[test]
    fn long_keys_are_not_kept_and_known_keys_are_updated() {
        let counts = KeptCounts::default();
        let long = key(1, &"x".repeat(MAX_KEY_BYTES + 1));
        counts.keep(long.clone(), count(3));
        assert_eq!(counts.get(&long), None);
        counts.keep(key(1, "q"), count(3));
        counts.keep(key(1, "q"), count(4));
        assert_eq!(counts.get(&key(1, "q")), Some(count(4)));
        assert_eq!(counts.len(), 1);
    }
}

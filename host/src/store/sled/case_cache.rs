//! The latest committed state of recently used open cases, kept decoded.
//!
//! Every command reads its case before applying to it, and a department command reads it twice
//! (the item's owner is checked before the command is built). Decoding the JSON record was the
//! largest single cost of a command after the flush, so the store keeps what it last committed
//! for each open case and hands out copies. The sled record stays the truth: the cache is filled
//! only from committed states, is checked against the revision (a slower writer never replaces
//! a newer state), and forgets a case once it is archived (archives are read rarely and never
//! written again).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::workflow::{Case, CaseStatus};

/// How many open cases stay decoded. A district hall has a few hundred to a few thousand open
/// at a time; a case is a few KiB, so this bounds the cache to tens of MiB.
const CAPACITY: usize = 4096;

#[derive(Default)]
pub(super) struct CaseCache {
    cases: Mutex<HashMap<String, Arc<Case>>>,
}

impl CaseCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Case>>> {
        // A panic elsewhere while the lock was held leaves a map that is still a valid map of
        // committed states; keep using it rather than failing every later read.
        self.cases.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn get(&self, id: &str) -> Option<Arc<Case>> {
        self.lock().get(id).cloned()
    }

    /// Records a state that was just committed (or read from disk).
    pub(super) fn committed(&self, case: Arc<Case>) {
        let mut cases = self.lock();
        if case.status == CaseStatus::Archived {
            cases.remove(&case.id);
            return;
        }
        if let Some(known) = cases.get(&case.id)
            && known.revision >= case.revision
        {
            return;
        }
        if cases.len() >= CAPACITY && !cases.contains_key(&case.id) {
            // Any victim will do: a miss costs one decode, and the map stays O(1).
            if let Some(victim) = cases.keys().next().cloned() {
                cases.remove(&victim);
            }
        }
        cases.insert(case.id.clone(), case);
    }
}

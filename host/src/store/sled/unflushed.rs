//! What a commit wrote while its flush has not returned yet.
//!
//! A sled transaction is visible to every reader as soon as it is applied, before the flush
//! that makes it durable. Nothing outside may act on it in that window: an SMS sent for a
//! commit a crash then loses tells the applicant something the platform no longer knows, and
//! a case read in the window can be answered to a client whose own command on it then fails
//! to flush. So a commit marks its cases and outbox messages here before its transaction and
//! clears them once the flush returned; case reads wait for the mark to clear (one flush,
//! milliseconds) and the outbox worker leaves marked messages for its next pass.

use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Default)]
pub(super) struct Unflushed {
    marked: Mutex<Marked>,
    cleared: Condvar,
}

#[derive(Default)]
struct Marked {
    /// Case id → commits in flight on it.
    cases: HashMap<String, usize>,
    messages: HashSet<u64>,
}

/// The marks of one group commit, cleared when dropped: after the flush, or on a panic.
pub(super) struct Marks<'a> {
    owner: &'a Unflushed,
    cases: Vec<String>,
    messages: Vec<u64>,
}

impl Unflushed {
    fn lock(&self) -> MutexGuard<'_, Marked> {
        // The sets stay consistent whatever panicked while the lock was held.
        self.marked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks `cases` and `messages` as written but not yet durable.
    pub(super) fn mark(&self, cases: Vec<String>, messages: Vec<u64>) -> Marks<'_> {
        let mut marked = self.lock();
        for c in &cases {
            *marked.cases.entry(c.clone()).or_default() += 1;
        }
        marked.messages.extend(messages.iter().copied());
        Marks {
            owner: self,
            cases,
            messages,
        }
    }

    /// Returns once no commit of case `id` is waiting for its flush.
    pub(super) fn wait_for_case(&self, id: &str) {
        let mut marked = self.lock();
        while marked.cases.contains_key(id) {
            marked = self.cleared.wait(marked).unwrap_or_else(|p| p.into_inner());
        }
    }

    pub(super) fn message_pending(&self, id: u64) -> bool {
        self.lock().messages.contains(&id)
    }
}

impl Drop for Marks<'_> {
    fn drop(&mut self) {
        let mut marked = self.owner.lock();
        for c in &self.cases {
            if let Some(n) = marked.cases.get_mut(c) {
                *n -= 1;
                if *n == 0 {
                    marked.cases.remove(c);
                }
            }
        }
        for m in &self.messages {
            marked.messages.remove(m);
        }
        drop(marked);
        self.owner.cleared.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_reader_waits_until_the_marks_are_cleared() {
        let unflushed = Arc::new(Unflushed::default());
        let marks = unflushed.mark(vec!["YJS-1".into()], vec![7]);
        assert!(unflushed.message_pending(7));
        let reader = std::thread::spawn({
            let unflushed = unflushed.clone();
            move || unflushed.wait_for_case("YJS-1")
        });
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !reader.is_finished(),
            "read a case whose flush had not returned"
        );
        // Another case is not held up.
        unflushed.wait_for_case("YJS-2");
        drop(marks);
        reader.join().unwrap();
        assert!(!unflushed.message_pending(7));
    }

    #[test]
    fn two_commits_on_one_case_hold_it_until_both_are_flushed() {
        let unflushed = Unflushed::default();
        let first = unflushed.mark(vec!["YJS-1".into()], Vec::new());
        let second = unflushed.mark(vec!["YJS-1".into()], Vec::new());
        drop(first);
        assert!(unflushed.lock().cases.contains_key("YJS-1"));
        drop(second);
        unflushed.wait_for_case("YJS-1");
    }
}

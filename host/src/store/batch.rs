//! Group transactions: concurrent commands share one database transaction and its flush.
//!
//! Every sled transaction costs synced log writes of its own (see `sled/cases.rs`), so under
//! load the writers queue their prepared writes here. Whoever finds nobody applying a batch
//! takes everything queued so far, applies it in one transaction with one flush, and hands
//! each writer its own outcome; writers that arrived meanwhile form the next batch. A lone
//! writer applies its batch of one at once, so nothing waits for company.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

struct State<T, R> {
    next_ticket: u64,
    queued: Vec<(u64, T)>,
    applying: bool,
    outcomes: HashMap<u64, R>,
}

pub struct Batcher<T, R> {
    state: Mutex<State<T, R>>,
    done: Condvar,
}

impl<T, R> Default for Batcher<T, R> {
    fn default() -> Self {
        Batcher {
            state: Mutex::new(State {
                next_ticket: 0,
                queued: Vec::new(),
                applying: false,
                outcomes: HashMap::new(),
            }),
            done: Condvar::new(),
        }
    }
}

impl<T, R> Batcher<T, R> {
    /// Queues `item` and returns its outcome once a batch containing it was applied. `apply`
    /// gets a batch in arrival order and returns one outcome per item, in the same order; if
    /// it returns fewer, the items without one get `missing()`.
    pub fn submit(
        &self,
        item: T,
        apply: impl Fn(Vec<T>) -> Vec<R>,
        missing: impl Fn() -> R,
    ) -> Result<R, String> {
        let mut st = self.lock()?;
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.queued.push((ticket, item));
        loop {
            if let Some(outcome) = st.outcomes.remove(&ticket) {
                return Ok(outcome);
            }
            if st.applying {
                st = self
                    .done
                    .wait(st)
                    .map_err(|_| "commit queue lock poisoned".to_owned())?;
                continue;
            }
            st.applying = true;
            let (tickets, batch): (Vec<u64>, Vec<T>) =
                std::mem::take(&mut st.queued).into_iter().unzip();
            drop(st);
            // A panic while applying must not leave `applying` set, or every later writer
            // would wait forever; the batch's writers get `missing()` instead.
            let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| apply(batch)));
            let mut outcomes = applied.unwrap_or_default().into_iter();
            st = self.lock()?;
            for t in tickets {
                let outcome = outcomes.next().unwrap_or_else(&missing);
                st.outcomes.insert(t, outcome);
            }
            st.applying = false;
            self.done.notify_all();
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State<T, R>>, String> {
        self.state
            .lock()
            .map_err(|_| "commit queue lock poisoned".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    /// Under contention a batch holds several writers, and each still gets its own outcome.
    /// (That every writer is covered by the batch it waits for is `flush.rs`'s test.)
    #[test]
    fn each_writer_of_a_shared_batch_gets_its_own_outcome() {
        let batcher = Batcher::<u64, u64>::default();
        let batches = AtomicU64::new(0);
        std::thread::scope(|s| {
            for t in 0..8u64 {
                let (batcher, batches) = (&batcher, &batches);
                s.spawn(move || {
                    for item in (0..100u64).map(|i| t * 1_000 + i) {
                        let apply = |batch: Vec<u64>| {
                            batches.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_micros(200));
                            batch.into_iter().map(|x| x * 2).collect()
                        };
                        assert_eq!(batcher.submit(item, apply, || 0).unwrap(), item * 2);
                    }
                });
            }
        });
        let n = batches.load(Ordering::SeqCst);
        assert!(n < 800, "{n} batches for 800 writes: nothing was grouped");
    }

    #[test]
    fn an_item_without_an_outcome_gets_the_missing_one() {
        let batcher = Batcher::<u32, Result<(), String>>::default();
        let outcome = batcher
            .submit(1, |_| Vec::new(), || Err("not applied".into()))
            .unwrap();
        assert_eq!(outcome, Err("not applied".into()));
    }

    /// A panic while applying fails that batch's writers and leaves the batcher usable.
    #[test]
    fn a_panic_while_applying_fails_the_batch_and_the_next_one_runs() {
        let batcher = Batcher::<u32, Result<u32, String>>::default();
        let outcome = batcher
            .submit(1, |_| panic!("apply failed"), || Err("not applied".into()))
            .unwrap();
        assert_eq!(outcome, Err("not applied".into()));
        let outcome = batcher
            .submit(2, |b| b.into_iter().map(Ok).collect(), || Err("no".into()))
            .unwrap();
        assert_eq!(outcome, Ok(2));
    }
}

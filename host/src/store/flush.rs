//! Group commit: many writers, one fsync.
//!
//! A writer registers after its write is applied, then waits until a flush that started after
//! its registration has finished. Whoever finds no flush running starts one on behalf of
//! everybody registered so far; the others wait for it. Under load one fsync thus acknowledges
//! a whole batch, and no writer is acknowledged before its data is on disk.

use std::sync::{Condvar, Mutex};

#[derive(Default)]
struct State {
    /// Sequence number of the last registered write.
    registered: u64,
    /// Every write up to this number is on disk.
    durable: u64,
    flushing: bool,
    /// Set when a flush failed; writers covered by it get the error.
    failed_upto: u64,
}

#[derive(Default)]
pub struct GroupFlush {
    state: Mutex<State>,
    done: Condvar,
}

impl GroupFlush {
    /// Waits until every write applied before this call is durable, running `flush` if no
    /// flush is in progress. Returns the flush error to every writer the failed flush covered.
    pub fn commit<E: ToString>(&self, flush: impl Fn() -> Result<(), E>) -> Result<(), String> {
        let mut st = self
            .state
            .lock()
            .map_err(|_| "flush lock poisoned".to_owned())?;
        st.registered += 1;
        let mine = st.registered;
        loop {
            if st.durable >= mine {
                return Ok(());
            }
            if st.failed_upto >= mine {
                return Err("flush to disk failed".to_owned());
            }
            if st.flushing {
                st = self
                    .done
                    .wait(st)
                    .map_err(|_| "flush lock poisoned".to_owned())?;
                continue;
            }
            st.flushing = true;
            let target = st.registered;
            drop(st);
            let result = flush();
            st = self
                .state
                .lock()
                .map_err(|_| "flush lock poisoned".to_owned())?;
            st.flushing = false;
            match result {
                Ok(()) => st.durable = st.durable.max(target),
                Err(e) => {
                    st.failed_upto = st.failed_upto.max(target);
                    self.done.notify_all();
                    return Err(e.to_string());
                }
            }
            self.done.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[test]
    fn concurrent_writers_share_flushes_and_all_are_covered() {
        let group = Arc::new(GroupFlush::default());
        let flushes = Arc::new(AtomicU64::new(0));
        let written = Arc::new(AtomicU64::new(0));
        let on_disk = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (group, flushes, written, on_disk) = (
                    group.clone(),
                    flushes.clone(),
                    written.clone(),
                    on_disk.clone(),
                );
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let me = written.fetch_add(1, Ordering::SeqCst) + 1;
                        group
                            .commit(|| {
                                flushes.fetch_add(1, Ordering::SeqCst);
                                std::thread::sleep(std::time::Duration::from_millis(1));
                                // Everything written so far reaches the disk.
                                on_disk.fetch_max(written.load(Ordering::SeqCst), Ordering::SeqCst);
                                Ok::<(), String>(())
                            })
                            .unwrap();
                        assert!(
                            on_disk.load(Ordering::SeqCst) >= me,
                            "acknowledged before durable"
                        );
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let n = flushes.load(Ordering::SeqCst);
        assert!(n < 800, "{n} flushes for 800 writes: no grouping happened");
    }

    #[test]
    fn a_failed_flush_fails_its_writers() {
        let group = GroupFlush::default();
        assert!(group.commit(|| Err("disk full")).is_err());
        assert!(group.commit(|| Ok::<(), String>(())).is_ok());
    }
}

//! Group commit: many writers, one fsync.
//!
//! A writer registers after its write is applied, then waits until a flush that started after
//! its registration has finished. Whoever finds no flush running starts one on behalf of
//! everybody registered so far; the others wait for it. Under load one fsync thus acknowledges
//! a whole batch, and no writer is acknowledged before its data is on disk. This is the
//! batcher of `batch.rs` with nothing to apply but the flush.

use super::batch::Batcher;

#[derive(Default)]
pub struct GroupFlush {
    writers: Batcher<(), Result<(), String>>,
}

impl GroupFlush {
    /// Waits until every write applied before this call is durable, running `flush` if no
    /// flush is in progress. Returns the flush error to every writer the failed flush covered.
    pub fn commit<E: ToString>(&self, flush: impl Fn() -> Result<(), E>) -> Result<(), String> {
        self.writers.submit(
            (),
            |batch| {
                let flushed = flush().map_err(|e| e.to_string());
                vec![flushed; batch.len()]
            },
            || Err("flush to disk failed".to_owned()),
        )?
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

//! Cases and their audit chains in sled. A command's writes — its case, its event and its
//! outbox messages — are atomic; concurrent commands share one transaction and its flush.

use std::sync::Arc;

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{SledStore, decode, encode, key, tx_error};
use crate::store::{CaseStore, Commit, Head, NextEvent, Reseal, StoreError, StoreResult};
use crate::supervision::Tally;
use crate::workflow::audit::Event;
use crate::workflow::{Case, CaseStatus, ItemStatus};

/// Marks, in `meta`, a database whose `open_cases` index is complete.
const OPEN_CASES_INDEXED: &[u8] = b"open_cases_indexed";

impl SledStore {
    /// Builds the index of open cases once for a database written before it existed, so the
    /// clocks' pass reads only open cases instead of decoding every archive every minute.
    pub(super) fn index_open_cases(&self) -> StoreResult<()> {
        if self.meta.contains_key(OPEN_CASES_INDEXED)? {
            return Ok(());
        }
        for item in self.cases.iter() {
            let (id, v) = item?;
            let case = self.decode_case(&v)?;
            if case.status != CaseStatus::Archived {
                self.open_cases.insert(id, &[][..])?;
            }
        }
        self.meta.insert(OPEN_CASES_INDEXED, &[][..])?;
        self.durable()
    }
}

/// One command's writes, encoded and ready for a group transaction.
pub(super) struct Prepared {
    case: Arc<Case>,
    record: Vec<u8>,
    head: Option<Vec<u8>>,
    events: Vec<(Vec<u8>, Vec<u8>)>,
    messages: Vec<([u8; 8], Vec<u8>)>,
    index: Vec<Vec<u8>>,
    /// Entries of the by-person index to add (a new case) or remove (an anonymised one).
    persons: Vec<Vec<u8>>,
    unpersons: Vec<Vec<u8>>,
    remember: Option<(Vec<u8>, Vec<u8>)>,
    /// Rows of the figures and what the command adds to each.
    figures: Vec<(Vec<u8>, Tally)>,
    base_revision: Option<u64>,
    expected_head: u64,
}

impl SledStore {
    fn prepare(&self, commit: &Commit<'_>) -> StoreResult<Prepared> {
        let id = commit.case.id.as_bytes();
        let head = commit
            .events
            .last()
            .map(|e| (e.seq, e.hash.clone()))
            .or_else(|| commit.base_head.as_ref().map(|h| (h.seq, h.hash.clone())))
            .map(|(seq, hash)| Head {
                seq,
                hash,
                revision: commit.case.revision,
            });
        let events = commit
            .events
            .iter()
            .map(|e| Ok((key(&[id, &e.seq.to_be_bytes()]), encode(e)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        let messages = commit
            .messages
            .iter()
            .map(|m| self.outbox_entry(&commit.case.id, commit.at, m))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Prepared {
            case: commit.case.clone(),
            record: self.encode_case(commit.case)?,
            head: head.map(|h| encode(&h)).transpose()?,
            events,
            messages,
            // Entries are never removed, so one already there stays there until the commit;
            // writing it again with every later command of the case would only cost log writes.
            index: commit
                .case
                .items
                .iter()
                .filter(|i| i.status != ItemStatus::Waiting && i.distributed_at.is_some())
                .map(|i| key(&[i.department.as_bytes(), id, i.matter.as_bytes()]))
                .filter(|k| !matches!(self.department_items.contains_key(k), Ok(true)))
                .collect(),
            persons: if commit.base_revision.is_none() {
                self.person_keys(commit.case)
            } else {
                Vec::new()
            },
            unpersons: if commit.case.anonymised_at.is_some() {
                self.person_entries_of(&commit.case.id)?
            } else {
                Vec::new()
            },
            remember: commit
                .remember
                .map(|(scope, r)| Ok::<_, StoreError>((scope.as_bytes().to_vec(), encode(r)?)))
                .transpose()?,
            figures: commit
                .figures
                .iter()
                .map(|(k, t)| (super::figures::figure_key(k), t.clone()))
                .collect(),
            base_revision: commit.base_revision,
            expected_head: commit.base_head.as_ref().map(|h| h.seq).unwrap_or(0),
        })
    }

    /// Applies a batch of commands in one sled transaction and flushes it: one outcome per
    /// command, in order. A command whose base has moved on (or whose stored head is
    /// unreadable) fails alone and writes nothing; the others in the batch still commit.
    ///
    /// One transaction per batch, and nothing else on the command path uses one: sled 0.34
    /// seals its IO buffer before and after a transaction's batch manifest, so every
    /// transaction costs two log writes synced by sled's IO threads, the largest part of a
    /// durable command's cost (see the README's benchmarks).
    fn apply_commits(&self, batch: &[Prepared]) -> Vec<StoreResult<()>> {
        // Marked before the transaction makes them visible, cleared after the flush.
        let marks = self.unflushed.mark(
            batch.iter().map(|p| p.case.id.clone()).collect(),
            batch
                .iter()
                .flat_map(|p| p.messages.iter().map(|(k, _)| u64::from_be_bytes(*k)))
                .collect(),
        );
        let damaged = std::sync::atomic::AtomicBool::new(false);
        let applied = (
            &self.cases,
            &self.case_heads,
            &self.case_events,
            &self.outbox,
            &self.department_items,
            &self.idempotency,
            &self.open_cases,
            &self.person_cases,
            &self.figures,
        )
            .transaction(
                |(
                    cases,
                    heads,
                    event_tree,
                    outbox,
                    departments,
                    idem,
                    open_index,
                    persons,
                    figures,
                )| {
                    // Rebuilt on every attempt: sled may run this closure more than once.
                    damaged.store(false, std::sync::atomic::Ordering::Relaxed);
                    let mut outcomes = Vec::with_capacity(batch.len());
                    for p in batch {
                        let id = p.case.id.as_bytes();
                        // The head holds the case's revision, so the check decodes a few bytes,
                        // not the whole case. An earlier command of this batch on the same case
                        // is seen here, so of two conflicting commands in one batch one wins.
                        let stored: Option<Head> = match heads.get(id)? {
                            Some(v) => match decode(&v) {
                                Ok(h) => Some(h),
                                Err(e) => {
                                    outcomes.push(Err(e));
                                    continue;
                                }
                            },
                            None => None,
                        };
                        let refused = match (&stored, p.base_revision) {
                            (None, None) => None,
                            (Some(h), Some(base))
                                if h.revision == base && h.seq == p.expected_head =>
                            {
                                None
                            }
                            (Some(_), None) => Some(format!("case {} already exists", p.case.id)),
                            _ => Some(format!("case {} was changed by another command", p.case.id)),
                        };
                        if let Some(why) = refused {
                            outcomes.push(Err(StoreError::Conflict(why)));
                            continue;
                        }
                        cases.insert(id, p.record.as_slice())?;
                        for k in &p.persons {
                            persons.insert(k.as_slice(), &[][..])?;
                        }
                        for k in &p.unpersons {
                            persons.remove(k.as_slice())?;
                        }
                        // A case is open from its first commit until it is archived.
                        if p.case.status == CaseStatus::Archived {
                            open_index.remove(id)?;
                        } else if p.base_revision.is_none() {
                            open_index.insert(id, &[][..])?;
                        }
                        if let Some(h) = &p.head {
                            heads.insert(id, h.as_slice())?;
                        }
                        for (k, v) in &p.events {
                            event_tree.insert(k.as_slice(), v.as_slice())?;
                        }
                        for (k, v) in &p.messages {
                            outbox.insert(&k[..], v.as_slice())?;
                        }
                        for k in &p.index {
                            departments.insert(k.as_slice(), &[][..])?;
                        }
                        if let Some((k, v)) = &p.remember {
                            idem.insert(k.as_slice(), v.as_slice())?;
                        }
                        for (k, add) in &p.figures {
                            // An unreadable row must not stop an applicant's command: it starts
                            // again from this increment, and the figures are marked for a
                            // rebuild from the events.
                            let mut row: Tally = match figures.get(k.as_slice())? {
                                Some(v) => decode(&v).unwrap_or_else(|_| {
                                    damaged.store(true, std::sync::atomic::Ordering::Relaxed);
                                    Tally::default()
                                }),
                                None => Tally::default(),
                            };
                            row.add(add);
                            let bytes =
                                encode(&row).map_err(ConflictableTransactionError::Abort)?;
                            figures.insert(k.as_slice(), bytes)?;
                        }
                        outcomes.push(Ok(()));
                    }
                    Ok::<_, ConflictableTransactionError<StoreError>>(outcomes)
                },
            )
            .map_err(tx_error);
        let mut outcomes = match applied {
            Ok(outcomes) => outcomes,
            Err(e) => return batch.iter().map(|_| Err(e.clone())).collect(),
        };
        if damaged.load(std::sync::atomic::Ordering::Relaxed) {
            self.figures_damaged();
        }
        #[cfg(test)]
        if let Some(hook) = self
            .before_flush
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            hook();
        }
        match self.durable() {
            Ok(()) => {
                for (p, outcome) in batch.iter().zip(&outcomes) {
                    if outcome.is_ok() {
                        self.case_cache.committed(p.case.clone());
                    }
                }
            }
            // The writers hear the error; the cache keeps the last durable state.
            Err(e) => {
                for outcome in outcomes.iter_mut().filter(|o| o.is_ok()) {
                    *outcome = Err(e.clone());
                }
            }
        }
        drop(marks);
        outcomes
    }
}

impl CaseStore for SledStore {
    fn commit_case(&self, commit: Commit<'_>) -> StoreResult<()> {
        let prepared = self.prepare(&commit)?;
        self.commits
            .submit(
                prepared,
                |batch| self.apply_commits(&batch),
                || Err(StoreError::Backend("the commit was not applied".into())),
            )
            .map_err(StoreError::Backend)?
    }

    fn case(&self, id: &str) -> StoreResult<Option<Arc<Case>>> {
        self.unflushed.wait_for_case(id);
        if let Some(case) = self.case_cache.get(id) {
            return Ok(Some(case));
        }
        let Some(v) = self.cases.get(id.as_bytes())? else {
            return Ok(None);
        };
        let case = Arc::new(self.decode_case(&v)?);
        self.case_cache.committed(case.clone());
        Ok(Some(case))
    }

    fn head(&self, id: &str) -> StoreResult<Option<Head>> {
        self.get(&self.case_heads, id.as_bytes())
    }

    fn events(&self, id: &str) -> StoreResult<Vec<Event>> {
        self.scan(&self.case_events, &key(&[id.as_bytes(), b""]))
    }

    fn append_read(&self, id: &str, next: &NextEvent<'_>) -> StoreResult<()> {
        self.append_read_event(id, next)
    }

    fn reads(&self, id: &str) -> StoreResult<(Vec<Event>, Option<Head>)> {
        self.read_events(id)
    }

    fn reseal_chains(&self, reseal: &Reseal<'_>) -> StoreResult<usize> {
        self.reseal_unkeyed_chains(reseal)
    }

    fn department_items(&self, department: &str) -> StoreResult<Vec<(String, String)>> {
        let prefix = key(&[department.as_bytes(), b""]);
        self.department_items
            .scan_prefix(&prefix)
            .map(|item| {
                let (k, _) = item?;
                let rest = &k[prefix.len()..];
                let mut parts = rest.splitn(2, |b| *b == 0);
                let case = parts.next().unwrap_or_default();
                let matter = parts.next().unwrap_or_default();
                Ok((
                    String::from_utf8_lossy(case).into_owned(),
                    String::from_utf8_lossy(matter).into_owned(),
                ))
            })
            .collect()
    }

    fn open_cases(&self) -> StoreResult<Vec<Arc<Case>>> {
        let mut open = Vec::new();
        for item in self.open_cases.iter() {
            let (id, _) = item?;
            let id = String::from_utf8_lossy(&id);
            // An id in the index always has its record: both are written in one transaction.
            if let Some(case) = self.case(&id)? {
                open.push(case);
            }
        }
        Ok(open)
    }

    fn case_ids(&self) -> StoreResult<Vec<String>> {
        self.cases
            .iter()
            .keys()
            .map(|k| Ok(String::from_utf8_lossy(&k?).into_owned()))
            .collect()
    }

    fn archived_cases(&self) -> StoreResult<Vec<Arc<Case>>> {
        let mut archived = Vec::new();
        for item in self.cases.iter() {
            let (id, _) = item?;
            if self.open_cases.contains_key(&id)? {
                continue;
            }
            if let Some(case) = self.case(&String::from_utf8_lossy(&id))? {
                archived.push(case);
            }
        }
        Ok(archived)
    }

    fn cases_of_person(&self, id_number: &str) -> StoreResult<Vec<String>> {
        self.case_ids_of_person(id_number)
    }

    fn next_number(&self) -> StoreResult<u64> {
        Ok(self.db.generate_id()?)
    }
}

#[cfg(test)]
#[path = "cases_tests.rs"]
pub(super) mod tests;

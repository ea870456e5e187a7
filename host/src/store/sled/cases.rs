//! Cases and their audit chains in sled. A command's writes — its case, its event and its
//! outbox messages — are atomic; concurrent commands share one transaction and its flush.

use std::sync::Arc;

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{SledStore, decode, encode, key, tx_error};
use crate::store::{CaseStore, Commit, Head, NextEvent, Reseal, StoreError, StoreResult};
use crate::workflow::audit::Event;
use crate::workflow::outbox::OutboxMessage;
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
    remember: Option<(Vec<u8>, Vec<u8>)>,
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
        let mut messages = Vec::new();
        for m in commit.messages {
            let number = self.db.generate_id()?;
            let message = OutboxMessage {
                id: number,
                case_id: commit.case.id.clone(),
                created_at: commit.at.to_owned(),
                message: m.clone(),
                attempts: 0,
                next_attempt_ms: 0,
                last_error: None,
                delivered_at: None,
                dead_at: None,
            };
            messages.push((number.to_be_bytes(), self.encode_message(&message)?));
        }
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
            remember: commit
                .remember
                .map(|(scope, r)| Ok::<_, StoreError>((scope.as_bytes().to_vec(), encode(r)?)))
                .transpose()?,
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
        let applied = (
            &self.cases,
            &self.case_heads,
            &self.case_events,
            &self.outbox,
            &self.department_items,
            &self.idempotency,
            &self.open_cases,
        )
            .transaction(
                |(cases, heads, event_tree, outbox, departments, idem, open_index)| {
                    // Rebuilt on every attempt: sled may run this closure more than once.
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

    fn next_number(&self) -> StoreResult<u64> {
        Ok(self.db.generate_id()?)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use lianban_sdk::testing::official_calendar;
    use lianban_sdk::{Channel, Date};

    use super::*;
    use crate::workflow::outbox::Message;
    use crate::workflow::tests as workflow_tests;
    use crate::workflow::{Change, Delivery};

    pub(in crate::store::sled) fn open_case(id: &str) -> Case {
        let cal = official_calendar();
        let mut case = workflow_tests::case(
            Channel::Online,
            Delivery::Together,
            &cal,
            Date::ymd(2026, 11, 27),
        );
        case.id = id.into();
        case
    }

    /// Commits `case` with one audit event, as every command does.
    fn commit(store: &SledStore, case: &Case, base: Option<u64>) -> StoreResult<()> {
        let at = "2026-11-27T10:00:00+08:00";
        let head = store.head(&case.id)?;
        let event = Event::next(
            &crate::secret::SecretKey::random(),
            head.as_ref().map(|h| (h.seq, h.hash.as_str())),
            at,
            "测试",
            "system",
            Change::new("test", None, None, String::new(), String::new()),
        );
        store.commit_case(Commit {
            at,
            case: &Arc::new(case.clone()),
            base_revision: base,
            base_head: head,
            events: &[event],
            messages: &[],
            remember: None,
        })
    }

    /// Commits a new case with `messages` and no events.
    pub(in crate::store::sled) fn commit_new_with_messages(
        store: &SledStore,
        case: &Arc<Case>,
        messages: &[Message],
    ) -> StoreResult<()> {
        store.commit_case(Commit {
            at: "2026-11-27T10:00:00+08:00",
            case,
            base_revision: None,
            base_head: None,
            events: &[],
            messages,
            remember: None,
        })
    }

    fn open_ids(store: &SledStore) -> Vec<String> {
        let mut ids: Vec<String> = store
            .open_cases()
            .unwrap()
            .into_iter()
            .map(|c| c.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Reads come from the decoded copy after a commit, so the copy must follow every commit
    /// and a lost race must not leave the loser's state behind.
    #[test]
    fn reads_follow_commits_and_archived_cases_leave_the_open_set() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let mut a = open_case("a");
        let b = open_case("b");
        commit(&store, &a, None).unwrap();
        commit(&store, &b, None).unwrap();
        assert_eq!(open_ids(&store), ["a", "b"]);

        let base = a.revision;
        a.revision += 1;
        a.alerts.push("first".into());
        commit(&store, &a, Some(base)).unwrap();
        // A second command built on the same base loses and changes nothing.
        let mut loser = a.clone();
        loser.alerts = vec!["loser".into()];
        assert!(matches!(
            commit(&store, &loser, Some(base)),
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.case("a").unwrap().unwrap().alerts, ["first"]);

        let base = a.revision;
        a.revision += 1;
        a.status = CaseStatus::Archived;
        commit(&store, &a, Some(base)).unwrap();
        assert_eq!(open_ids(&store), ["b"]);
        assert_eq!(
            store.case("a").unwrap().unwrap().status,
            CaseStatus::Archived
        );

        // The same answers from disk alone.
        drop(store);
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(open_ids(&store), ["b"]);
        assert_eq!(store.case("a").unwrap().unwrap().alerts, ["first"]);
    }

    /// A database written before the index existed gets it on its first open, archives left
    /// out; later opens do not rebuild it.
    #[test]
    fn an_older_database_is_indexed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open(dir.path()).unwrap();
            let mut archived = open_case("old-archived");
            commit(&store, &open_case("old-open"), None).unwrap();
            archived.status = CaseStatus::Archived;
            commit(&store, &archived, None).unwrap();
            // As the database looked before: no index, no marker.
            store.open_cases.clear().unwrap();
            store.meta.remove(OPEN_CASES_INDEXED).unwrap();
            store.durable().unwrap();
            assert!(open_ids(&store).is_empty());
        }
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(open_ids(&store), ["old-open"]);
        assert!(store.meta.contains_key(OPEN_CASES_INDEXED).unwrap());
    }

    /// Commands committed at the same moment share transactions: of those built on the same
    /// revision of one case exactly one wins, and every command on another case commits.
    #[test]
    fn concurrent_commands_share_transactions_and_one_of_a_conflict_wins() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        let contested = open_case("contested");
        commit(&store, &contested, None).unwrap();
        let start = Arc::new(std::sync::Barrier::new(16));
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let (store, start) = (store.clone(), start.clone());
                let mut next = contested.clone();
                std::thread::spawn(move || {
                    start.wait();
                    if t % 2 == 0 {
                        let base = next.revision;
                        next.revision += 1;
                        next.alerts = vec![format!("thread {t}")];
                        commit(&store, &next, Some(base))
                    } else {
                        commit(&store, &open_case(&format!("own-{t}")), None)
                    }
                })
            })
            .collect();
        let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let (contenders, others): (Vec<_>, Vec<_>) =
            outcomes.iter().enumerate().partition(|(t, _)| t % 2 == 0);
        assert!(others.iter().all(|(_, o)| o.is_ok()), "{others:?}");
        let winners: Vec<usize> = contenders
            .iter()
            .filter(|(_, o)| o.is_ok())
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(winners.len(), 1, "{contenders:?}");
        assert!(
            contenders
                .iter()
                .filter(|(_, o)| o.is_err())
                .all(|(_, o)| matches!(o, Err(StoreError::Conflict(_))))
        );
        // The winner's state is what is read, from the cache and from disk.
        let expected = vec![format!("thread {}", winners[0])];
        assert_eq!(store.case("contested").unwrap().unwrap().alerts, expected);
        assert_eq!(store.events("contested").unwrap().len(), 2);
        drop(store);
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.case("contested").unwrap().unwrap().alerts, expected);
        assert_eq!(open_ids(&store).len(), 9);
    }

    /// The outbox worker and case readers act on a commit only once its flush has returned:
    /// an SMS for a commit a crash could still lose must not leave.
    #[test]
    fn nothing_is_seen_before_its_flush_returned() {
        use crate::store::OutboxStore;
        use std::sync::mpsc;
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        let (applied_tx, applied) = mpsc::channel::<()>();
        let (go, go_rx) = mpsc::channel::<()>();
        let go_rx = std::sync::Mutex::new(go_rx);
        *store.before_flush.lock().unwrap() = Some(Box::new(move || {
            applied_tx.send(()).unwrap();
            go_rx.lock().unwrap().recv().unwrap();
        }));
        let case = Arc::new(open_case("w"));
        let committing = std::thread::spawn({
            let store = store.clone();
            let case = case.clone();
            move || {
                commit_new_with_messages(
                    &store,
                    &case,
                    &[Message::Sms {
                        to: "13800000000".into(),
                        text: "收件".into(),
                    }],
                )
            }
        });
        applied.recv().unwrap();
        // Applied in sled, not yet flushed: the message is in the tree …
        assert_eq!(store.outbox.len(), 1);
        // … but not due, and a reader of the case waits.
        assert!(store.due_messages(i64::MAX, 10).unwrap().is_empty());
        let reader = std::thread::spawn({
            let store = store.clone();
            move || store.case("w").unwrap().map(|c| c.id.clone())
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(
            !reader.is_finished(),
            "a case was read before its flush returned"
        );
        go.send(()).unwrap();
        committing.join().unwrap().unwrap();
        assert_eq!(reader.join().unwrap().as_deref(), Some("w"));
        assert_eq!(store.due_messages(i64::MAX, 10).unwrap().len(), 1);
    }

    /// Two commands on one case finish their commits in one order and may report them to the
    /// decoded copy in the other: the newer state stays.
    #[test]
    fn an_older_state_never_replaces_a_newer_one_in_the_cache() {
        use super::super::case_cache::CaseCache;
        let at = |revision: u64, status: CaseStatus| {
            let mut c = open_case("c");
            c.revision = revision;
            c.status = status;
            Arc::new(c)
        };
        let cache = CaseCache::default();
        cache.committed(at(3, CaseStatus::InProgress));
        cache.committed(at(2, CaseStatus::Submitted));
        assert_eq!(cache.get("c").unwrap().revision, 3);
        cache.committed(at(4, CaseStatus::Archived));
        assert!(cache.get("c").is_none());
    }
}

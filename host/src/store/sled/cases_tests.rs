//! The sled case store's own tests: batching, conflicts, the cache, flush failures.

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
        figures: &[],
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
        figures: &[],
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

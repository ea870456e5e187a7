//! The audit trail: every command on a case appends an event to the case's hash chain, and
//! every read of a case's personal data appends one to the case's chain of reads. Each event's
//! hash covers its content and the previous event's hash, so changing or removing an event
//! breaks every hash after it, and `verify` finds where.
//!
//! Two kinds of tampering by someone who can write the database are caught:
//!
//! - **Rewriting.** The hash is an HMAC-SHA256 under a key kept outside the database
//!   (`keys/audit.key` in the data folder, `--audit-key`): an event rewritten with its hash
//!   recomputed fails unless the key was taken too. (Signed periodic checkpoints were the
//!   other choice; a keyed hash checks every event, not only those before a checkpoint.)
//! - **Truncation.** The chain is checked against the case's stored head — the number and
//!   hash of its last event — so deleting the last events fails.
//!
//! What the chain alone cannot catch is rolling a whole case back to an earlier state (record,
//! head and events together): every part of that state was valid once. Backups kept apart
//! from the live database are the answer to that.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::machine::Change;
use crate::secret::SecretKey;
use crate::store::Head;

/// Hash of the (absent) event before the first.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    /// 1, 2, 3 … within the chain.
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub role: String,
    #[serde(flatten)]
    pub change: Change,
    pub previous: String,
    pub hash: String,
}

/// The parts a hash covers: everything but the hash itself, in a fixed order, each
/// length-prefixed so that moving text from one part to the next changes the hash. The
/// unkeyed format had no outcome and documents (`with_decision` false).
fn parts(e: &Event, with_decision: bool, mut feed: impl FnMut(&[u8])) {
    let seq = e.seq.to_string();
    let c = &e.change;
    let mut documents = String::new();
    for d in &c.documents {
        documents.push_str(&d.name);
        documents.push('\0');
        documents.push_str(d.file.as_deref().unwrap_or(""));
        documents.push('\0');
        documents.push_str(d.elicense_number.as_deref().unwrap_or(""));
        documents.push('\0');
    }
    let decision = [c.outcome.as_deref().unwrap_or(""), documents.as_str()];
    let common = [
        seq.as_str(),
        &e.at,
        &e.actor,
        &e.role,
        &c.command,
        c.matter.as_deref().unwrap_or(""),
        c.reason.as_deref().unwrap_or(""),
        &c.before,
        &c.after,
    ];
    let decision = if with_decision { &decision[..] } else { &[] };
    for part in common.iter().chain(decision).chain([&e.previous.as_str()]) {
        feed(&(part.len() as u64).to_be_bytes());
        feed(part.as_bytes());
    }
}

/// The keyed hash of `e`.
fn digest(key: &SecretKey, e: &Event) -> String {
    use hmac::Mac;
    let mut mac = key.mac(b"lianban audit v2");
    parts(e, true, |b| mac.update(b));
    hex::encode(mac.finalize().into_bytes())
}

/// The unkeyed SHA-256 chains were hashed with before the key existed; read only to check a
/// chain once before it is sealed with the key (`reseal`).
fn legacy_digest(e: &Event) -> Option<String> {
    // The unkeyed chains had neither outcome nor documents; an event with them is not one.
    if e.change.outcome.is_some() || !e.change.documents.is_empty() {
        return None;
    }
    let mut h = Sha256::new();
    parts(e, false, |b| h.update(b));
    Some(hex::encode(h.finalize()))
}

impl Event {
    /// The event that follows the one numbered `last.0` with hash `last.1` (or starts the
    /// chain).
    pub fn next(
        key: &SecretKey,
        last: Option<(u64, &str)>,
        at: &str,
        actor: &str,
        role: &str,
        change: Change,
    ) -> Event {
        let mut e = Event {
            seq: last.map_or(1, |(seq, _)| seq + 1),
            at: at.to_owned(),
            actor: actor.to_owned(),
            role: role.to_owned(),
            change,
            previous: last.map_or(GENESIS, |(_, hash)| hash).to_owned(),
            hash: String::new(),
        };
        e.hash = digest(key, &e);
        e
    }
}

/// Where a chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Broken {
    /// Sequence number expected at the break.
    pub seq: u64,
    pub problem: &'static str,
}

/// Checks a chain in order — numbering without gaps, each event linked to the one before,
/// each hash matching its content under `key` — and its end against `head`, the stored
/// number and hash of its last event.
pub fn verify(key: &SecretKey, events: &[Event], head: Option<&Head>) -> Result<(), Broken> {
    check(events, head, |e| Some(digest(key, e)))
}

fn check(
    events: &[Event],
    head: Option<&Head>,
    hash: impl Fn(&Event) -> Option<String>,
) -> Result<(), Broken> {
    let mut previous = GENESIS.to_owned();
    for (i, e) in events.iter().enumerate() {
        let expected = i as u64 + 1;
        let broken = |problem| {
            Err(Broken {
                seq: expected,
                problem,
            })
        };
        if e.seq != expected {
            return broken("missing_event");
        }
        if e.previous != previous {
            return broken("broken_link");
        }
        if hash(e).as_deref() != Some(e.hash.as_str()) {
            return broken("altered_event");
        }
        previous = e.hash.clone();
    }
    let count = events.len() as u64;
    match head {
        Some(h) if h.seq != count => Err(Broken {
            seq: count.min(h.seq) + 1,
            problem: "truncated",
        }),
        Some(h) if h.seq > 0 && h.hash != previous => Err(Broken {
            seq: h.seq,
            problem: "head_mismatch",
        }),
        None if count > 0 => Err(Broken {
            seq: count,
            problem: "head_missing",
        }),
        _ => Ok(()),
    }
}

/// The chain sealed anew with `key`, if it verifies as an unkeyed chain of the old format;
/// `None` if it does not (it is left as it is, and fails verification for an inspector to
/// see) or is already keyed.
pub fn reseal(key: &SecretKey, events: &[Event], head: Option<&Head>) -> Option<Vec<Event>> {
    check(events, head, legacy_digest).ok()?;
    let mut sealed: Vec<Event> = Vec::with_capacity(events.len());
    for e in events {
        let last = sealed.last().map(|p| (p.seq, p.hash.as_str()));
        sealed.push(Event::next(
            key,
            last,
            &e.at,
            &e.actor,
            &e.role,
            e.change.clone(),
        ));
    }
    Some(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::{Outcome, ResultDocument};

    fn change(command: &str, reason: Option<&str>) -> Change {
        Change {
            command: command.into(),
            matter: Some("birth-registration".into()),
            reason: reason.map(Into::into),
            before: "case:in_progress item:distributed".into(),
            after: "case:in_progress item:accepted".into(),
            outcome: None,
            documents: Vec::new(),
        }
    }

    fn decision() -> Change {
        Change {
            outcome: Some(Outcome::Approve.as_str().into()),
            documents: vec![ResultDocument {
                name: "出生医学证明".into(),
                file: Some("ab".repeat(32)),
                elicense_number: None,
            }],
            ..change("decide", None)
        }
    }

    fn chain(key: &SecretKey) -> (Vec<Event>, Head) {
        let mut events: Vec<Event> = Vec::new();
        for c in [
            change("receive", None),
            change("accept", None),
            decision(),
            change("archive", None),
        ] {
            let last = events.last().map(|e| (e.seq, e.hash.as_str()));
            let e = Event::next(key, last, "2026-11-27T10:00:00+08:00", "王五", "clerk", c);
            events.push(e);
        }
        let last = &events[3];
        let head = Head {
            seq: last.seq,
            hash: last.hash.clone(),
            revision: 9,
        };
        (events, head)
    }

    fn broken(seq: u64, problem: &'static str) -> Result<(), Broken> {
        Err(Broken { seq, problem })
    }

    #[test]
    fn an_untouched_chain_verifies_only_under_its_key() {
        let key = SecretKey::random();
        let (events, head) = chain(&key);
        assert_eq!(events[0].previous, GENESIS);
        assert_eq!(verify(&key, &events, Some(&head)), Ok(()));
        assert_eq!(
            verify(&SecretKey::random(), &events, Some(&head)),
            broken(1, "altered_event")
        );
    }

    #[test]
    fn a_rewritten_event_is_detected_even_with_its_unkeyed_hash_recomputed() {
        let key = SecretKey::random();
        let (mut events, head) = chain(&key);
        events[2].change.outcome = Some(Outcome::Deny.as_str().into());
        assert_eq!(
            verify(&key, &events, Some(&head)),
            broken(3, "altered_event")
        );
        // Whoever rewrites without the key can only recompute a plain hash — of this event and
        // every one after it, head included — and that fails at the first event touched.
        let mut previous = events[1].hash.clone();
        for e in events.iter_mut().skip(2) {
            e.previous = previous.clone();
            let mut h = Sha256::new();
            parts(e, true, |b| h.update(b));
            e.hash = hex::encode(h.finalize());
            previous = e.hash.clone();
        }
        let forged_head = Head {
            hash: previous,
            ..head
        };
        assert_eq!(
            verify(&key, &events, Some(&forged_head)),
            broken(3, "altered_event")
        );
    }

    #[test]
    fn decisions_carry_their_outcome_and_documents_under_the_hash() {
        let key = SecretKey::random();
        let (mut events, head) = chain(&key);
        events[2].change.documents[0].file = Some("cd".repeat(32));
        assert_eq!(
            verify(&key, &events, Some(&head)),
            broken(3, "altered_event")
        );
    }

    #[test]
    fn removed_events_are_detected_at_the_end_too() {
        let key = SecretKey::random();
        let (events, head) = chain(&key);
        let mut gap = events.clone();
        gap.remove(1);
        assert_eq!(verify(&key, &gap, Some(&head)), broken(2, "missing_event"));
        // Deleting the last events leaves a chain that is whole in itself: the head tells.
        assert_eq!(
            verify(&key, &events[..2], Some(&head)),
            broken(3, "truncated")
        );
        assert_eq!(verify(&key, &[], Some(&head)), broken(1, "truncated"));
        // So does deleting the head with them.
        assert_eq!(verify(&key, &events[..2], None), broken(2, "head_missing"));
        // A head pointing at another hash.
        let other = Head {
            hash: GENESIS.into(),
            ..head
        };
        assert_eq!(
            verify(&key, &events, Some(&other)),
            broken(4, "head_mismatch")
        );
    }

    #[test]
    fn moving_text_between_parts_changes_the_hash() {
        let key = SecretKey::random();
        let a = Event::next(&key, None, "t", "ab", "c", change("x", None));
        let b = Event::next(&key, None, "t", "a", "bc", change("x", None));
        assert_ne!(a.hash, b.hash);
    }

    #[test]
    fn an_unkeyed_chain_of_the_old_format_is_resealed_once_checked() {
        let key = SecretKey::random();
        // Built as the unkeyed chains were.
        let mut old: Vec<Event> = Vec::new();
        for c in [change("receive", None), change("reject", Some("材料不实"))] {
            let mut e = Event::next(&key, None, "t", "王五", "clerk", c);
            e.seq = old.len() as u64 + 1;
            e.previous = old.last().map_or(GENESIS.into(), |p| p.hash.clone());
            e.hash = legacy_digest(&e).unwrap();
            old.push(e);
        }
        let head = Head {
            seq: 2,
            hash: old[1].hash.clone(),
            revision: 3,
        };
        assert!(verify(&key, &old, Some(&head)).is_err());
        let sealed = reseal(&key, &old, Some(&head)).unwrap();
        let new_head = Head {
            seq: 2,
            hash: sealed[1].hash.clone(),
            revision: 3,
        };
        assert_eq!(verify(&key, &sealed, Some(&new_head)), Ok(()));
        assert_eq!(sealed[1].change, old[1].change);
        // A chain already keyed, or an old one that does not check, is left alone.
        assert!(reseal(&key, &sealed, Some(&new_head)).is_none());
        let mut tampered = old.clone();
        tampered[1].change.reason = Some("材料齐全".into());
        assert!(reseal(&key, &tampered, Some(&head)).is_none());
    }
}

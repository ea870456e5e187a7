//! The audit trail: every command on a case appends an event to the case's hash chain. Each
//! event's hash covers its content and the previous event's hash, so changing or removing an
//! event breaks every hash after it, and `verify` finds where.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::machine::Change;

/// Hash of the (absent) event before the first.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// 1, 2, 3 … within the case.
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub role: String,
    #[serde(flatten)]
    pub change: Change,
    pub previous: String,
    pub hash: String,
}

/// What the hash covers: everything but the hash itself, in a fixed order.
fn digest(seq: u64, at: &str, actor: &str, role: &str, change: &Change, previous: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        seq.to_string().as_str(),
        at,
        actor,
        role,
        &change.command,
        change.matter.as_deref().unwrap_or(""),
        change.reason.as_deref().unwrap_or(""),
        &change.before,
        &change.after,
        previous,
    ] {
        // Length-prefixed, so that moving text from one part to the next changes the hash.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

impl Event {
    /// The event that follows the one numbered `last.0` with hash `last.1` (or starts the
    /// chain).
    pub fn next(
        last: Option<(u64, &str)>,
        at: &str,
        actor: &str,
        role: &str,
        change: Change,
    ) -> Event {
        let seq = last.map_or(1, |(seq, _)| seq + 1);
        let previous = last.map_or(GENESIS, |(_, hash)| hash).to_owned();
        let hash = digest(seq, at, actor, role, &change, &previous);
        Event {
            seq,
            at: at.to_owned(),
            actor: actor.to_owned(),
            role: role.to_owned(),
            change,
            previous,
            hash,
        }
    }
}

/// Where a chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// Sequence number expected at the break.
    pub seq: u64,
    pub problem: &'static str,
}

/// Checks a case's events in order: numbering without gaps, each linked to the one before,
/// each hash matching its content.
pub fn verify(events: &[Event]) -> Result<(), Broken> {
    let mut previous = GENESIS.to_owned();
    for (i, e) in events.iter().enumerate() {
        let expected = i as u64 + 1;
        if e.seq != expected {
            return Err(Broken {
                seq: expected,
                problem: "missing_event",
            });
        }
        if e.previous != previous {
            return Err(Broken {
                seq: expected,
                problem: "broken_link",
            });
        }
        if digest(e.seq, &e.at, &e.actor, &e.role, &e.change, &e.previous) != e.hash {
            return Err(Broken {
                seq: expected,
                problem: "altered_event",
            });
        }
        previous = e.hash.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(command: &str, reason: Option<&str>) -> Change {
        Change {
            command: command.into(),
            matter: Some("birth-registration".into()),
            reason: reason.map(Into::into),
            before: "case:in_progress item:distributed".into(),
            after: "case:in_progress item:accepted".into(),
        }
    }

    fn chain() -> Vec<Event> {
        let mut events: Vec<Event> = Vec::new();
        for (cmd, reason) in [
            ("receive", None),
            ("accept", None),
            ("reject", Some("材料不实")),
            ("archive", None),
        ] {
            let last = events.last().map(|e| (e.seq, e.hash.as_str()));
            let e = Event::next(
                last,
                "2026-11-27T10:00:00+08:00",
                "王五",
                "clerk",
                change(cmd, reason),
            );
            events.push(e);
        }
        events
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let events = chain();
        assert_eq!(events[0].previous, GENESIS);
        assert_eq!(events[3].seq, 4);
        assert_eq!(verify(&events), Ok(()));
    }

    #[test]
    fn a_changed_event_is_detected() {
        let mut events = chain();
        events[2].change.reason = Some("材料齐全".into());
        assert_eq!(
            verify(&events),
            Err(Broken {
                seq: 3,
                problem: "altered_event"
            })
        );
        // Recomputing the altered event's own hash does not help: the next link breaks.
        let mut events = chain();
        events[2].change.reason = Some("材料齐全".into());
        let e = &events[2];
        events[2].hash = digest(e.seq, &e.at, &e.actor, &e.role, &e.change, &e.previous);
        assert_eq!(
            verify(&events),
            Err(Broken {
                seq: 4,
                problem: "broken_link"
            })
        );
    }

    #[test]
    fn a_removed_event_is_detected() {
        let mut events = chain();
        events.remove(1);
        assert_eq!(
            verify(&events),
            Err(Broken {
                seq: 2,
                problem: "missing_event"
            })
        );
        // Renumbering to hide the gap breaks the link instead.
        for (i, e) in events.iter_mut().enumerate() {
            e.seq = i as u64 + 1;
        }
        assert!(verify(&events).is_err());
    }

    #[test]
    fn moving_text_between_parts_changes_the_hash() {
        let a = digest(1, "t", "ab", "c", &change("x", None), GENESIS);
        let b = digest(1, "t", "a", "bc", &change("x", None), GENESIS);
        assert_ne!(a, b);
    }
}

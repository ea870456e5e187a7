//! The outbox in sled: messages committed with their cases (`cases.rs`), due, attempted,
//! delivered into the sent log or given up as dead letters.

use super::SledStore;
use crate::store::{OutboxStore, StoreResult};
use crate::workflow::outbox::{Message, OutboxMessage};

impl SledStore {
    /// A new outbox entry for `message` about `case_id`, numbered and sealed, ready to be
    /// written in the transaction of what caused it.
    pub(super) fn outbox_entry(
        &self,
        case_id: &str,
        at: &str,
        message: &Message,
    ) -> StoreResult<([u8; 8], Vec<u8>)> {
        let number = self.db.generate_id()?;
        let entry = OutboxMessage {
            id: number,
            case_id: case_id.to_owned(),
            created_at: at.to_owned(),
            message: message.clone(),
            attempts: 0,
            next_attempt_ms: 0,
            last_error: None,
            delivered_at: None,
            dead_at: None,
        };
        Ok((number.to_be_bytes(), self.encode_message(&entry)?))
    }
}

impl OutboxStore for SledStore {
    fn due_messages(&self, now_ms: i64, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        let mut due = Vec::new();
        for item in self.outbox.iter() {
            let (_, v) = item?;
            let m = self.decode_message(&v)?;
            // Sent only once the commit that wrote it is durable.
            if m.next_attempt_ms <= now_ms && !self.unflushed.message_pending(m.id) {
                due.push(m);
                if due.len() >= limit {
                    break;
                }
            }
        }
        Ok(due)
    }

    fn messages_attempted(&self, messages: &[OutboxMessage]) -> StoreResult<()> {
        // No sled transaction here: each one seals sled's IO buffer twice, and these writes
        // do not need one. A delivered message is copied to the sent log before it leaves the
        // outbox, so a crash in between leaves it in both and it is sent again under the same
        // id — the at-least-once promise — and never lost.
        // A dead letter likewise is copied before it leaves.
        for m in messages {
            let k = m.id.to_be_bytes();
            let v = self.encode_message(m)?;
            if m.delivered_at.is_some() {
                self.outbox_done.insert(k, v)?;
            } else if m.dead_at.is_some() {
                self.outbox_dead.insert(k, v)?;
            } else {
                self.outbox.insert(k, v)?;
            }
        }
        for m in messages
            .iter()
            .filter(|m| m.delivered_at.is_some() || m.dead_at.is_some())
        {
            self.outbox.remove(m.id.to_be_bytes())?;
        }
        self.durable()
    }

    fn dead_messages(&self, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        self.outbox_dead
            .iter()
            .take(limit)
            .map(|item| {
                let (_, v) = item?;
                self.decode_message(&v)
            })
            .collect()
    }

    fn revive_message(&self, id: u64, now_ms: i64) -> StoreResult<Option<OutboxMessage>> {
        let k = id.to_be_bytes();
        let Some(v) = self.outbox_dead.get(k)? else {
            return Ok(None);
        };
        let mut m = self.decode_message(&v)?;
        m.dead_at = None;
        m.attempts = 0;
        m.next_attempt_ms = now_ms;
        // Into the outbox first: a crash in between leaves it in both, sent once more at worst.
        self.outbox.insert(k, self.encode_message(&m)?)?;
        self.outbox_dead.remove(k)?;
        self.durable()?;
        Ok(Some(m))
    }

    fn purge_sent_before(&self, cutoff: &str) -> StoreResult<usize> {
        let mut stale = Vec::new();
        for item in self.outbox_done.iter() {
            let (k, v) = item?;
            // The delivery stamp is not sealed: judged without opening the message.
            let m: OutboxMessage = super::decode(&v)?;
            if m.delivered_at.as_deref().is_some_and(|at| at < cutoff) {
                stale.push(k);
            }
        }
        for k in &stale {
            self.outbox_done.remove(k)?;
        }
        self.durable()?;
        Ok(stale.len())
    }

    fn sent_messages(&self, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        self.outbox_done
            .iter()
            .rev()
            .take(limit)
            .map(|item| {
                let (_, v) = item?;
                self.decode_message(&v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::cases::tests::{commit_new_with_messages, open_case};
    use super::*;
    use crate::workflow::outbox::Message;

    /// A pass's outcomes are recorded together: delivered messages move to the sent log, a
    /// failed one stays due later with its attempt counted, and both hold after a reopen.
    #[test]
    fn a_pass_records_deliveries_and_retries_together() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let case = Arc::new(open_case("m"));
        let sms = |text: &str| Message::Sms {
            to: "13800000000".into(),
            text: text.into(),
        };
        commit_new_with_messages(&store, &case, &[sms("收件"), sms("受理"), sms("办结")]).unwrap();
        let mut due = store.due_messages(0, 10).unwrap();
        assert_eq!(due.len(), 3);
        for (i, m) in due.iter_mut().enumerate() {
            m.attempts = 1;
            if i == 1 {
                m.next_attempt_ms = 5_000;
                m.last_error = Some("receiver answered 503".into());
            } else {
                m.delivered_at = Some("2026-11-27T10:00:01+08:00".into());
            }
        }
        store.messages_attempted(&due).unwrap();

        drop(store);
        let store = SledStore::open(dir.path()).unwrap();
        assert!(store.due_messages(4_999, 10).unwrap().is_empty());
        let retry = store.due_messages(5_000, 10).unwrap();
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].message, sms("受理"));
        assert_eq!(retry[0].attempts, 1);
        let sent: Vec<Message> = store
            .sent_messages(10)
            .unwrap()
            .into_iter()
            .map(|m| m.message)
            .collect();
        assert_eq!(sent, [sms("办结"), sms("收件")]);
    }
}

//! Each case's chain of reads of its personal data, and the one-time sealing of the audit
//! chains written before the audit key existed.
//!
//! Reads have a chain of their own so that a read never moves the head of the case's command
//! chain: a department looking at a case used to make the command a clerk was issuing on it
//! at that moment fail as contended. Appends of reads are serialised in the process (a lock
//! held for two inserts); the chain and its head go into one tree, so one sled batch writes
//! both atomically, and the group flush makes the read durable before the data is returned.

use sled::transaction::Transactional;

use super::{SledStore, decode, encode, key, tx_error};
use crate::store::{Head, NextEvent, Reseal, StoreResult};
use crate::workflow::audit::Event;

fn event_key(id: &str, seq: u64) -> Vec<u8> {
    key(&[b"e", id.as_bytes(), &seq.to_be_bytes()])
}

fn head_key(id: &str) -> Vec<u8> {
    key(&[b"h", id.as_bytes()])
}

impl SledStore {
    pub(super) fn append_read_event(&self, id: &str, next: &NextEvent<'_>) -> StoreResult<()> {
        {
            let _serial = self.read_appends.lock().unwrap_or_else(|p| p.into_inner());
            let head: Option<Head> = self.get(&self.case_reads, &head_key(id))?;
            let event = next(head.as_ref().map(|h| (h.seq, h.hash.as_str())));
            let new_head = Head {
                seq: event.seq,
                hash: event.hash.clone(),
                revision: 0,
            };
            let mut batch = sled::Batch::default();
            batch.insert(event_key(id, event.seq), encode(&event)?);
            batch.insert(head_key(id), encode(&new_head)?);
            self.case_reads.apply_batch(batch)?;
        }
        self.durable()
    }

    pub(super) fn read_events(&self, id: &str) -> StoreResult<(Vec<Event>, Option<Head>)> {
        let events = self.scan(&self.case_reads, &key(&[b"e", id.as_bytes(), b""]))?;
        Ok((events, self.get(&self.case_reads, &head_key(id))?))
    }

    /// Seals every command chain that checks in the unkeyed format. Run only when the audit key
    /// is new (`app.rs`), never on the database's own say.
    pub(super) fn reseal_unkeyed_chains(&self, reseal: &Reseal<'_>) -> StoreResult<usize> {
        let mut sealed = 0;
        for item in self.case_heads.iter() {
            let (id, v) = item?;
            let head: Head = decode(&v)?;
            let events: Vec<Event> = self.scan(&self.case_events, &key(&[&id, b""]))?;
            let Some(new) = reseal(&events, Some(&head)) else {
                tracing::warn!(
                    case = %String::from_utf8_lossy(&id),
                    "audit chain does not check in the unkeyed format; left as it is"
                );
                continue;
            };
            let Some(last) = new.last() else { continue };
            let new_head = Head {
                seq: last.seq,
                hash: last.hash.clone(),
                revision: head.revision,
            };
            let encoded = new
                .iter()
                .map(|e| Ok((key(&[&id, &e.seq.to_be_bytes()]), encode(e)?)))
                .collect::<StoreResult<Vec<_>>>()?;
            let head_bytes = encode(&new_head)?;
            (&self.case_events, &self.case_heads)
                .transaction(|(event_tree, heads)| {
                    for (k, v) in &encoded {
                        event_tree.insert(k.as_slice(), v.as_slice())?;
                    }
                    heads.insert(&id, head_bytes.as_slice())?;
                    Ok::<_, sled::transaction::ConflictableTransactionError<crate::store::StoreError>>(())
                })
                .map_err(tx_error)?;
            sealed += 1;
        }
        self.durable()?;
        Ok(sealed)
    }
}

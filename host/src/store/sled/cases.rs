//! Cases, their audit chains and the outbox in sled: one transaction per command.

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{SledStore, decode, encode, key, tx_error};
use crate::store::{CaseStore, Commit, Head, StoreError, StoreResult};
use crate::workflow::audit::Event;
use crate::workflow::outbox::OutboxMessage;
use crate::workflow::{Case, ItemStatus};

fn conflict(msg: String) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(StoreError::Conflict(msg))
}

impl CaseStore for SledStore {
    fn commit_case(&self, commit: Commit<'_>) -> StoreResult<()> {
        let id = commit.case.id.as_bytes();
        let record = encode(commit.case)?;
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
        let head = head.map(|h| encode(&h)).transpose()?;
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
            };
            messages.push((number.to_be_bytes(), encode(&message)?));
        }
        let index: Vec<Vec<u8>> = commit
            .case
            .items
            .iter()
            .filter(|i| i.status != ItemStatus::Waiting && i.distributed_at.is_some())
            .map(|i| key(&[i.department.as_bytes(), id, i.matter.as_bytes()]))
            .collect();
        let remember = commit
            .remember
            .map(|(scope, r)| Ok::<_, StoreError>((scope.as_bytes().to_vec(), encode(r)?)))
            .transpose()?;
        let expected_head = commit.base_head.as_ref().map(|h| h.seq).unwrap_or(0);

        (
            &self.cases,
            &self.case_heads,
            &self.case_events,
            &self.outbox,
            &self.department_items,
            &self.idempotency,
        )
            .transaction(|(cases, heads, event_tree, outbox, departments, idem)| {
                // The head holds the case's revision, so the check decodes a few bytes, not
                // the whole case.
                let stored: Option<Head> = match heads.get(id)? {
                    Some(v) => Some(decode(&v).map_err(ConflictableTransactionError::Abort)?),
                    None => None,
                };
                match (&stored, commit.base_revision) {
                    (None, None) => {}
                    (Some(h), Some(base)) if h.revision == base && h.seq == expected_head => {}
                    (Some(_), None) => {
                        return Err(conflict(format!("case {} already exists", commit.case.id)));
                    }
                    _ => {
                        return Err(conflict(format!(
                            "case {} was changed by another command",
                            commit.case.id
                        )));
                    }
                }
                cases.insert(id, record.as_slice())?;
                if let Some(h) = &head {
                    heads.insert(id, h.as_slice())?;
                }
                for (k, v) in &events {
                    event_tree.insert(k.as_slice(), v.as_slice())?;
                }
                for (k, v) in &messages {
                    outbox.insert(k.as_slice(), v.as_slice())?;
                }
                for k in &index {
                    departments.insert(k.as_slice(), &[][..])?;
                }
                if let Some((k, v)) = &remember {
                    idem.insert(k.as_slice(), v.as_slice())?;
                }
                Ok(())
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn case(&self, id: &str) -> StoreResult<Option<Case>> {
        self.get(&self.cases, id.as_bytes())
    }

    fn head(&self, id: &str) -> StoreResult<Option<Head>> {
        self.get(&self.case_heads, id.as_bytes())
    }

    fn events(&self, id: &str) -> StoreResult<Vec<Event>> {
        self.scan(&self.case_events, &key(&[id.as_bytes(), b""]))
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

    fn open_cases(&self) -> StoreResult<Vec<Case>> {
        let all: Vec<Case> = self.scan(&self.cases, b"")?;
        Ok(all
            .into_iter()
            .filter(|c| c.status != crate::workflow::CaseStatus::Archived)
            .collect())
    }

    fn next_number(&self) -> StoreResult<u64> {
        Ok(self.db.generate_id()?)
    }

    fn due_messages(&self, now_ms: i64, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        let mut due = Vec::new();
        for item in self.outbox.iter() {
            let (_, v) = item?;
            let m: OutboxMessage = decode(&v)?;
            if m.next_attempt_ms <= now_ms {
                due.push(m);
                if due.len() >= limit {
                    break;
                }
            }
        }
        Ok(due)
    }

    fn message_attempted(&self, message: &OutboxMessage) -> StoreResult<()> {
        let k = message.id.to_be_bytes();
        let v = encode(message)?;
        let delivered = message.delivered_at.is_some();
        (&self.outbox, &self.outbox_done)
            .transaction(|(outbox, done)| {
                if delivered {
                    outbox.remove(&k[..])?;
                    done.insert(&k[..], v.as_slice())?;
                } else {
                    outbox.insert(&k[..], v.as_slice())?;
                }
                Ok(())
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn sent_messages(&self, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        self.outbox_done
            .iter()
            .rev()
            .take(limit)
            .map(|item| {
                let (_, v) = item?;
                decode(&v)
            })
            .collect()
    }
}

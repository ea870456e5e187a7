//! Sessions, the staff directory and the sign-in log in sled. Last use is kept apart from the
//! session, like a token's, so noting a use never overwrites a sign-out written meanwhile.

use chrono::{DateTime, Utc};

use super::{SledStore, decode, encode};
use crate::identity::model::{Session, SignInEvent, StaffMember};
use crate::store::{IdentityStore, StoreResult};

impl IdentityStore for SledStore {
    fn put_session(&self, hash: &str, session: &Session) -> StoreResult<()> {
        self.put(&self.sessions, hash.as_bytes(), session)
    }

    fn session(&self, hash: &str) -> StoreResult<Option<(Session, Option<DateTime<Utc>>)>> {
        let Some(session) = self.get(&self.sessions, hash.as_bytes())? else {
            return Ok(None);
        };
        Ok(Some((
            session,
            self.get(&self.session_last_seen, hash.as_bytes())?,
        )))
    }

    fn touch_session(&self, hash: &str, at: DateTime<Utc>) -> StoreResult<()> {
        self.session_last_seen
            .insert(hash.as_bytes(), encode(&at)?)?;
        Ok(())
    }

    fn sessions(&self) -> StoreResult<Vec<(String, Session)>> {
        self.sessions
            .iter()
            .map(|item| {
                let (key, value) = item?;
                Ok((String::from_utf8_lossy(&key).into_owned(), decode(&value)?))
            })
            .collect()
    }

    fn remove_sessions(&self, hashes: &[String]) -> StoreResult<()> {
        let mut sessions = sled::Batch::default();
        let mut seen = sled::Batch::default();
        for hash in hashes {
            sessions.remove(hash.as_bytes());
            seen.remove(hash.as_bytes());
        }
        self.sessions.apply_batch(sessions)?;
        self.session_last_seen.apply_batch(seen)?;
        self.durable()
    }

    fn put_staff(&self, member: &StaffMember) -> StoreResult<()> {
        self.put(&self.staff, member.subject.as_bytes(), member)
    }

    fn staff(&self, subject: &str) -> StoreResult<Option<StaffMember>> {
        self.get(&self.staff, subject.as_bytes())
    }

    fn staff_members(&self) -> StoreResult<Vec<StaffMember>> {
        self.scan(&self.staff, b"")
    }

    fn remove_staff(&self, subject: &str) -> StoreResult<bool> {
        let existed = self.staff.remove(subject.as_bytes())?.is_some();
        self.durable()?;
        Ok(existed)
    }

    fn record_sign_in(&self, event: &SignInEvent) -> StoreResult<()> {
        let seq = self.db.generate_id()?;
        self.put(&self.sign_ins, &seq.to_be_bytes(), event)
    }

    fn sign_in_events(&self, limit: usize) -> StoreResult<Vec<SignInEvent>> {
        self.sign_ins
            .iter()
            .rev()
            .take(limit)
            .map(|item| decode(&item?.1))
            .collect()
    }
}

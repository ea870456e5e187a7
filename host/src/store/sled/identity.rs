//! Sessions, the staff directory and the sign-in log in sled. Last use is kept apart from the
//! session, like a token's, so noting a use never overwrites a sign-out written meanwhile.

use chrono::{DateTime, Utc};

use super::{SledStore, decode, encode};
use crate::identity::model::{Session, SignInEvent, StaffMember};
use crate::store::{IdentityStore, StoreError, StoreResult};

impl SledStore {
    /// Seals (`seal` true) or opens a session's name and vouched identity number: a citizen's
    /// session is personal data like their case.
    fn seal_session(&self, session: &mut Session, seal: bool) -> StoreResult<()> {
        let id = session.id.clone();
        let apply = |path: &str, value: &mut String| {
            let at = crate::workflow::personal::context("session", &id, path);
            self.keys
                .seal_or_open(seal, &at, value)
                .map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        apply("name", &mut session.name)?;
        if let Some(id_number) = &mut session.id_number {
            apply("id_number", id_number)?;
        }
        Ok(())
    }

    fn decode_session(&self, bytes: &[u8]) -> StoreResult<Session> {
        let mut session = decode(bytes)?;
        self.seal_session(&mut session, false)?;
        Ok(session)
    }
}

impl IdentityStore for SledStore {
    fn put_session(&self, hash: &str, session: &Session) -> StoreResult<()> {
        let mut sealed = session.clone();
        self.seal_session(&mut sealed, true)?;
        self.put(&self.sessions, hash.as_bytes(), &sealed)
    }

    fn session(&self, hash: &str) -> StoreResult<Option<(Session, Option<DateTime<Utc>>)>> {
        let Some(bytes) = self.sessions.get(hash.as_bytes())? else {
            return Ok(None);
        };
        let session = self.decode_session(&bytes)?;
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
                let session = self.decode_session(&value)?;
                Ok((String::from_utf8_lossy(&key).into_owned(), session))
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

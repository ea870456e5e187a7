//! Sessions in force: the cookie's session checked against its idle and absolute ends and
//! the directory as it is now, the role it acts in, and how it ends (sign-out, the provider's
//! back-channel logout, the sweep).

use chrono::{DateTime, Utc};

use super::model::{Issuer, SignInOutcome};
use super::{Identity, SignInError, TOUCH_EVERY_SECS, lock};
use crate::auth::{Role, token_hash};
use crate::identity::model::Session;
use crate::store::StoreError;

/// A session in force, with what the directory gives its person now.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    pub hash: String,
    pub session: Session,
    /// The roles the person may act in (staff: from the directory, read at every request, so a
    /// change by the bureau holds at once).
    pub roles: Vec<Role>,
    pub idle_until: DateTime<Utc>,
}

impl ActiveSession {
    /// The role acted in: the one chosen, if still held; else the first held.
    pub fn role(&self) -> Option<&Role> {
        self.session
            .active_role
            .as_ref()
            .filter(|r| self.roles.contains(r))
            .or_else(|| self.roles.first())
    }
}

impl Identity {
    /// The session a cookie stands for, if it is still in force; notes the use.
    pub fn session(&self, cookie: &str) -> Result<Option<ActiveSession>, StoreError> {
        if cookie.len() != 64 || !cookie.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let hash = token_hash(cookie);
        let Some((session, last_seen)) = self.store.session(&hash)? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let last_seen = last_seen.unwrap_or(session.created_at);
        let idle_until = last_seen + self.settings.idle;
        if now >= session.expires_at || now >= idle_until {
            self.store.remove_sessions(std::slice::from_ref(&hash))?;
            return Ok(None);
        }
        let roles = match session.issuer {
            Issuer::Staff => match self.store.staff(&session.subject)? {
                Some(member) => member.roles,
                // Removed from the directory: signed out everywhere at once.
                None => {
                    self.store.remove_sessions(std::slice::from_ref(&hash))?;
                    return Ok(None);
                }
            },
            Issuer::Citizens => vec![Role::Citizen],
        };
        self.touch(&hash, now)?;
        Ok(Some(ActiveSession {
            idle_until: now + self.settings.idle,
            hash,
            session,
            roles,
        }))
    }

    fn touch(&self, hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        {
            let mut touched = lock(&self.touched);
            if touched
                .get(hash)
                .is_some_and(|at| (now - *at).num_seconds().abs() < TOUCH_EVERY_SECS)
            {
                return Ok(());
            }
            touched.insert(hash.to_owned(), now);
        }
        self.store.touch_session(hash, now)
    }

    /// Makes `role` the one the session acts in; it must be one the person holds.
    pub fn act_as(
        &self,
        active: &ActiveSession,
        role: Role,
    ) -> Result<Option<Session>, StoreError> {
        if !active.roles.contains(&role) {
            return Ok(None);
        }
        let mut session = active.session.clone();
        session.active_role = Some(role);
        self.store.put_session(&active.hash, &session)?;
        Ok(Some(session))
    }

    /// Ends a session at the person's request.
    pub fn sign_out(&self, active: &ActiveSession, client: &str) -> Result<(), StoreError> {
        self.store
            .remove_sessions(std::slice::from_ref(&active.hash))?;
        self.log(
            active.session.issuer,
            client,
            Some(active.session.subject.clone()),
            SignInOutcome::SignedOut,
            None,
        );
        Ok(())
    }

    /// The provider says a person signed out there: their sessions here end too. Returns how
    /// many ended.
    pub async fn provider_logout(
        &self,
        issuer: Issuer,
        message: &str,
        client: &str,
    ) -> Result<usize, SignInError> {
        let protocol = self.protocol(issuer)?.clone();
        let out = match protocol.logout(message).await {
            Ok(out) => out,
            Err(e) => {
                let error = SignInError::Protocol(e);
                self.log(
                    issuer,
                    client,
                    None,
                    SignInOutcome::Failed,
                    Some(error.to_string()),
                );
                return Err(error);
            }
        };
        let ended: Vec<String> = self
            .store
            .sessions()?
            .into_iter()
            .filter(|(_, s)| s.issuer == issuer)
            .filter(|(_, s)| match (&out.provider_session, &out.subject) {
                (Some(sid), _) => s.provider_session.as_ref() == Some(sid),
                (None, Some(sub)) => &s.subject == sub,
                (None, None) => false,
            })
            .map(|(hash, _)| hash)
            .collect();
        self.store.remove_sessions(&ended)?;
        self.log(
            issuer,
            client,
            out.subject,
            SignInOutcome::LoggedOutByProvider,
            None,
        );
        Ok(ended.len())
    }

    /// Removes sessions past their end or idle too long; how many.
    pub fn purge_expired(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let mut ended = Vec::new();
        for (hash, session) in self.store.sessions()? {
            let last_seen = self
                .store
                .session(&hash)?
                .and_then(|(_, seen)| seen)
                .unwrap_or(session.created_at);
            if now >= session.expires_at || now >= last_seen + self.settings.idle {
                ended.push(hash);
            }
        }
        self.store.remove_sessions(&ended)?;
        Ok(ended.len())
    }
}

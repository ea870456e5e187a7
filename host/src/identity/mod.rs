//! Sign-in for people (一次登录、一网通办, 第二条): staff through the government's identity
//! provider, citizens through their 政务服务网 account. The protocol sits behind
//! `protocol::SignInProtocol`; this service keeps what the host owns: the sign-ins on their way
//! (bound to the browser by a cookie, ten minutes at most), the sessions (idle timeout and an
//! absolute end), the staff directory that turns a signed-in person into roles, the sign-in
//! log, and a limit on failed sign-ins per client.

pub mod config;
pub mod model;
pub mod oidc;
pub mod protocol;
mod sessions;

pub use sessions::ActiveSession;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;

use crate::auth::token_hash;
use crate::clock::Clock;
use crate::store::{IdentityStore, StoreError};
pub use config::SessionSettings;
use model::{Issuer, Session, SignInEvent, SignInOutcome, StaffMember};
use protocol::{Callback, ProtocolError, SignInProtocol, Started};

/// How long a sign-in may take between leaving for the provider and coming back.
const SIGN_IN_WINDOW_MINUTES: i64 = 10;
/// Sign-ins on their way at once; past this the oldest are dropped (a flood of starts must not
/// grow the host's memory without end).
const MAX_PENDING: usize = 10_000;
/// Failed sign-ins one client may have in `FAILURE_WINDOW_MINUTES` before it must wait.
pub const MAX_FAILURES: usize = 10;
const FAILURE_WINDOW_MINUTES: i64 = 15;
/// Uses of a session are written at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("no identity provider {0} is configured")]
    UnknownIssuer(String),
    #[error("too many failed sign-ins from this client")]
    RateLimited,
    #[error("the sign-in expired or was started in another browser")]
    NoSignIn,
    #[error("the answer does not belong to this sign-in")]
    StateMismatch,
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error("{0} is not in the staff directory")]
    NotInDirectory(String),
    #[error("the provider vouched for no identity number")]
    NoIdNumber,
    #[error("the return address must be a path on this host")]
    BadReturn,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A sign-in on its way, kept until the browser comes back with the same cookie.
struct PendingSignIn {
    issuer: Issuer,
    started: Started,
    return_to: String,
    at: DateTime<Utc>,
}

/// A sign-in begun: where to send the browser, and the cookie that binds the answer to it.
pub struct Begun {
    pub redirect: String,
    pub cookie: String,
}

/// A sign-in completed.
pub struct SignedIn {
    pub cookie: String,
    pub session: Session,
    pub return_to: String,
}

pub struct Identity {
    issuers: HashMap<Issuer, Arc<dyn SignInProtocol>>,
    store: Arc<dyn IdentityStore>,
    clock: Arc<dyn Clock>,
    settings: SessionSettings,
    pending: Mutex<HashMap<String, PendingSignIn>>,
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
    touched: Mutex<HashMap<String, DateTime<Utc>>>,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Only a path on this host: never another origin (`//evil`, `https://…`), never a backslash
/// trick, so a sign-in link cannot be turned into an open redirect.
pub fn safe_return(to: &str) -> Option<String> {
    let ok = to.starts_with('/')
        && !to.starts_with("//")
        && !to.contains('\\')
        && !to.chars().any(char::is_control)
        && to.len() <= 512;
    ok.then(|| to.to_owned())
}

impl Identity {
    pub fn new(
        issuers: HashMap<Issuer, Arc<dyn SignInProtocol>>,
        store: Arc<dyn IdentityStore>,
        clock: Arc<dyn Clock>,
        settings: SessionSettings,
    ) -> Identity {
        Identity {
            issuers,
            store,
            clock,
            settings,
            pending: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            touched: Mutex::new(HashMap::new()),
        }
    }

    pub fn settings(&self) -> &SessionSettings {
        &self.settings
    }

    fn protocol(&self, issuer: Issuer) -> Result<&Arc<dyn SignInProtocol>, SignInError> {
        self.issuers
            .get(&issuer)
            .ok_or_else(|| SignInError::UnknownIssuer(issuer.as_str().into()))
    }

    fn limited(&self, client: &str, now: DateTime<Utc>) -> bool {
        let mut failures = lock(&self.failures);
        let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
        let recent = failures.entry(client.to_owned()).or_default();
        recent.retain(|at| now - *at < window);
        recent.len() >= MAX_FAILURES
    }

    /// Records a failure in the log and against the client's allowance.
    fn failed(&self, issuer: Issuer, client: &str, subject: Option<String>, error: &SignInError) {
        let now = self.clock.now();
        let outcome = match error {
            SignInError::NotInDirectory(_) => SignInOutcome::NotInDirectory,
            SignInError::RateLimited => SignInOutcome::RateLimited,
            _ => SignInOutcome::Failed,
        };
        if outcome != SignInOutcome::RateLimited {
            lock(&self.failures)
                .entry(client.to_owned())
                .or_default()
                .push(now);
        }
        tracing::warn!(issuer = issuer.as_str(), client, %error, "sign-in failed");
        self.log(issuer, client, subject, outcome, Some(error.to_string()));
    }

    fn log(
        &self,
        issuer: Issuer,
        client: &str,
        subject: Option<String>,
        outcome: SignInOutcome,
        reason: Option<String>,
    ) {
        let event = SignInEvent {
            at: self.clock.now(),
            issuer,
            subject,
            outcome,
            reason,
            client: client.to_owned(),
        };
        if let Err(e) = self.store.record_sign_in(&event) {
            tracing::error!(%e, "the sign-in log could not be written");
        }
    }

    /// Starts a sign-in with `issuer`; the browser comes back to `return_to`.
    pub async fn begin(
        &self,
        issuer: Issuer,
        return_to: &str,
        client: &str,
    ) -> Result<Begun, SignInError> {
        let protocol = self.protocol(issuer)?.clone();
        let now = self.clock.now();
        if self.limited(client, now) {
            self.failed(issuer, client, None, &SignInError::RateLimited);
            return Err(SignInError::RateLimited);
        }
        let return_to = safe_return(return_to).ok_or(SignInError::BadReturn)?;
        let started = protocol.start().await?;
        let cookie = random_hex(32);
        let mut pending = lock(&self.pending);
        let window = Duration::minutes(SIGN_IN_WINDOW_MINUTES);
        pending.retain(|_, p| now - p.at < window);
        if pending.len() >= MAX_PENDING
            && let Some(oldest) = pending
                .iter()
                .min_by_key(|(_, p)| p.at)
                .map(|(k, _)| k.clone())
        {
            pending.remove(&oldest);
        }
        let redirect = started.redirect.clone();
        pending.insert(
            token_hash(&cookie),
            PendingSignIn {
                issuer,
                started,
                return_to,
                at: now,
            },
        );
        Ok(Begun { redirect, cookie })
    }

    /// Completes a sign-in: checks the answer against the sign-in this browser started, has
    /// the protocol verify it, and opens a session.
    pub async fn finish(
        &self,
        issuer: Issuer,
        cookie: Option<&str>,
        callback: &Callback,
        client: &str,
    ) -> Result<SignedIn, SignInError> {
        let result = self.complete(issuer, cookie, callback, client).await;
        match &result {
            Ok(signed_in) => self.log(
                issuer,
                client,
                Some(signed_in.session.subject.clone()),
                SignInOutcome::SignedIn,
                None,
            ),
            Err(SignInError::UnknownIssuer(_)) => {}
            Err(error) => {
                let subject = match error {
                    SignInError::NotInDirectory(s) => Some(s.clone()),
                    _ => None,
                };
                self.failed(issuer, client, subject, error);
            }
        }
        result
    }

    async fn complete(
        &self,
        issuer: Issuer,
        cookie: Option<&str>,
        callback: &Callback,
        client: &str,
    ) -> Result<SignedIn, SignInError> {
        let protocol = self.protocol(issuer)?.clone();
        let now = self.clock.now();
        if self.limited(client, now) {
            return Err(SignInError::RateLimited);
        }
        // Taken out whatever happens next: an answer is used once.
        let pending = cookie
            .and_then(|c| lock(&self.pending).remove(&token_hash(c)))
            .filter(|p| p.issuer == issuer)
            .filter(|p| now - p.at < Duration::minutes(SIGN_IN_WINDOW_MINUTES))
            .ok_or(SignInError::NoSignIn)?;
        let state_matches = callback
            .state
            .as_deref()
            .is_some_and(|s| token_hash(s) == token_hash(&pending.started.state));
        if !state_matches && callback.error.is_none() {
            return Err(SignInError::StateMismatch);
        }
        let person = protocol.finish(&pending.started, callback).await?;
        let (name, roles) = match issuer {
            Issuer::Staff => {
                let member = self
                    .store
                    .staff(&person.subject)?
                    .ok_or_else(|| SignInError::NotInDirectory(person.subject.clone()))?;
                (member.name, member.roles)
            }
            Issuer::Citizens => {
                if person.id_number.is_none() {
                    return Err(SignInError::NoIdNumber);
                }
                (
                    person.name.clone().unwrap_or_default(),
                    vec![crate::auth::Role::Citizen],
                )
            }
        };
        let session = Session {
            id: format!("ss_{}", random_hex(8)),
            issuer,
            subject: person.subject,
            provider_session: person.provider_session,
            name,
            id_number: person.id_number,
            csrf: random_hex(32),
            active_role: roles.first().cloned(),
            created_at: now,
            expires_at: now + self.settings.absolute,
        };
        let cookie = random_hex(32);
        let hash = token_hash(&cookie);
        self.store.put_session(&hash, &session)?;
        self.store.touch_session(&hash, now)?;
        lock(&self.touched).insert(hash, now);
        Ok(SignedIn {
            cookie,
            session,
            return_to: pending.return_to,
        })
    }

    pub fn store(&self) -> &Arc<dyn IdentityStore> {
        &self.store
    }

    /// Puts a member into the directory (or replaces them). Roles are checked by the caller.
    pub fn put_staff(&self, member: &StaffMember) -> Result<(), StoreError> {
        self.store.put_staff(member)
    }
}

#[cfg(test)]
mod tests {
    use super::safe_return;

    #[test]
    fn a_return_address_is_a_path_on_this_host() {
        for ok in ["/", "/console/", "/console/?tab=items#top"] {
            assert_eq!(safe_return(ok).as_deref(), Some(ok));
        }
        for bad in [
            "",
            "console",
            "//evil.example",
            "https://evil.example/",
            "/\\evil",
            "/a\nb",
        ] {
            assert_eq!(safe_return(bad), None, "{bad:?}");
        }
    }
}

//! Machine tokens: the bearer tokens of systems (a department's system, the online service, a
//! department's CI pushing rules). Each has an expiry and one role, is shown once when issued
//! and kept only as its SHA-256, and can be rotated or revoked by the bureau while the host
//! runs; every request reads the token's record, so a revocation holds from the next request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Principal, Role};
use crate::store::{StoreError, TokenStore};

/// The longest a token may live: a year and a day, so a yearly rotation has its overlap.
pub const MAX_LIFETIME_DAYS: u32 = 366;
/// The lifetime of a token when none is asked for.
pub const DEFAULT_LIFETIME_DAYS: u32 = 90;
/// The longest the old token of a rotation may keep working beside the new one.
pub const MAX_OVERLAP_MINUTES: u32 = 7 * 24 * 60;
/// `last_used_at` is written at most this often per token, so a busy system's requests do not
/// each cost a write; the listing is exact to this much.
const TOUCH_EVERY_SECS: i64 = 60;

/// The stored record of a token. The secret is not in it, and not anywhere in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineToken {
    /// The public handle administrators list, rotate and revoke by.
    pub id: String,
    /// Who uses the token: the system, or the person running it.
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub revoked_by: Option<String>,
    /// The token that took this one's place when it was rotated.
    #[serde(default)]
    pub replaced_by: Option<String>,
}

/// Where a token stands at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Active,
    /// Rotated, and its overlap not yet over: still accepted.
    Replaced,
    Expired,
    Revoked,
}

impl MachineToken {
    pub fn state(&self, now: DateTime<Utc>) -> TokenState {
        // Revoked whatever the clock says: a clock set back must not bring a token back.
        if self.revoked_at.is_some() {
            TokenState::Revoked
        } else if now >= self.expires_at {
            TokenState::Expired
        } else if self.replaced_by.is_some() {
            TokenState::Replaced
        } else {
            TokenState::Active
        }
    }

    fn accepted(&self, now: DateTime<Utc>) -> bool {
        matches!(self.state(now), TokenState::Active | TokenState::Replaced)
    }
}

/// A token as the administrator's listing shows it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub token: MachineToken,
    pub state: TokenState,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What the bureau asks for when it issues a token.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub lifetime_days: u32,
    pub created_by: String,
}

/// Why a presented token does not let its bearer in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Malformed, or no such token.
    Unknown,
    Expired,
    Revoked,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no token {0}")]
    NotFound(String),
    #[error("the lifetime must be 1 to {MAX_LIFETIME_DAYS} days")]
    Lifetime,
    #[error("the overlap must be at most {MAX_OVERLAP_MINUTES} minutes")]
    Overlap,
    #[error("the name must be 1 to 50 characters")]
    Name,
    #[error("citizens sign in; no token is issued for the citizen role")]
    CitizenRole,
    #[error("token {0} is no longer in use")]
    Inactive(String),
    #[error("token {0} is the last administrator token in use")]
    LastAdmin(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A newly issued token: the secret, shown this once, and its record.
pub struct Issued {
    pub secret: String,
    pub token: MachineToken,
}

pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub struct Auth {
    store: Arc<dyn TokenStore>,
    /// Issue, rotate and revoke read and then write several records; one at a time, so two
    /// revocations cannot both see "another administrator token remains".
    changes: Mutex<()>,
    /// When each token's use was last written, so `resolve` writes at most once a minute.
    touched: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl Auth {
    pub fn new(store: Arc<dyn TokenStore>) -> Auth {
        Auth {
            store,
            changes: Mutex::new(()),
            touched: Mutex::new(HashMap::new()),
        }
    }

    /// Issues a token; its secret is returned once and never stored.
    pub fn issue(&self, new: NewToken, now: DateTime<Utc>) -> Result<Issued, TokenError> {
        validate_name(&new.name)?;
        // A citizen is a person who signs in; no token can stand for one.
        if new.role == Role::Citizen {
            return Err(TokenError::CitizenRole);
        }
        if !(1..=MAX_LIFETIME_DAYS).contains(&new.lifetime_days) {
            return Err(TokenError::Lifetime);
        }
        let _one = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        let (secret, hash, token) = fresh(
            new.name,
            new.role,
            new.created_by,
            now,
            Duration::days(i64::from(new.lifetime_days)),
        );
        self.store.put_tokens(&[(&hash, &token)])?;
        Ok(Issued { secret, token })
    }

    /// The caller a presented secret stands for, or why it is refused.
    pub fn resolve(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Principal, Refusal>, StoreError> {
        // Malformed tokens are never looked up, so the store only sees well-shaped keys.
        if secret.len() != 67 || !secret.starts_with("lb_") {
            return Ok(Err(Refusal::Unknown));
        }
        let hash = token_hash(secret);
        let Some(token) = self.store.token(&hash)? else {
            return Ok(Err(Refusal::Unknown));
        };
        match token.state(now) {
            TokenState::Active | TokenState::Replaced => {}
            TokenState::Expired => return Ok(Err(Refusal::Expired)),
            TokenState::Revoked => return Ok(Err(Refusal::Revoked)),
        }
        self.touch(&hash, &token.id, now)?;
        Ok(Ok(Principal {
            name: token.name,
            role: token.role,
            credential: token.id,
            person: None,
        }))
    }

    fn touch(&self, hash: &str, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        {
            let mut touched = self.touched.lock().unwrap_or_else(|p| p.into_inner());
            if touched
                .get(id)
                .is_some_and(|at| (now - *at).num_seconds().abs() < TOUCH_EVERY_SECS)
            {
                return Ok(());
            }
            touched.insert(id.to_owned(), now);
        }
        self.store.touch_token(hash, now)
    }

    /// Every token ever issued, newest first.
    pub fn list(&self, now: DateTime<Utc>) -> Result<Vec<Listed>, TokenError> {
        let mut rows: Vec<Listed> = self
            .store
            .tokens()?
            .into_iter()
            .map(|row| Listed {
                state: row.token.state(now),
                token: row.token,
                last_used_at: row.last_used_at,
            })
            .collect();
        rows.sort_by(|a, b| {
            b.token
                .created_at
                .cmp(&a.token.created_at)
                .then_with(|| a.token.id.cmp(&b.token.id))
        });
        Ok(rows)
    }

    /// Issues the successor of token `id` with its name, role and lifetime. The old token
    /// keeps working for `overlap_minutes` (so a system can switch without a gap), then ends;
    /// with no overlap it ends at once.
    pub fn rotate(
        &self,
        id: &str,
        overlap_minutes: u32,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Issued, TokenError> {
        if overlap_minutes > MAX_OVERLAP_MINUTES {
            return Err(TokenError::Overlap);
        }
        let _one = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        let (old_hash, mut old) = self.find(id)?;
        if old.state(now) != TokenState::Active {
            return Err(TokenError::Inactive(id.to_owned()));
        }
        let lifetime = old.expires_at - old.created_at;
        let (secret, hash, token) = fresh(
            old.name.clone(),
            old.role.clone(),
            by.to_owned(),
            now,
            lifetime,
        );
        old.replaced_by = Some(token.id.clone());
        if overlap_minutes == 0 {
            old.revoked_at = Some(now);
            old.revoked_by = Some(by.to_owned());
        } else {
            old.expires_at = old
                .expires_at
                .min(now + Duration::minutes(i64::from(overlap_minutes)));
        }
        self.store
            .put_tokens(&[(&old_hash, &old), (&hash, &token)])?;
        Ok(Issued { secret, token })
    }

    /// Ends token `id` now. The last administrator token in use cannot be revoked: the bureau
    /// would lock itself out of the running host.
    pub fn revoke(
        &self,
        id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<MachineToken, TokenError> {
        let _one = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        let rows = self.store.tokens()?;
        let (hash, mut token) = rows
            .iter()
            .find(|r| r.token.id == id)
            .map(|r| (r.hash.clone(), r.token.clone()))
            .ok_or_else(|| TokenError::NotFound(id.to_owned()))?;
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        let other_admin = rows
            .iter()
            .any(|r| r.token.id != id && r.token.role == Role::Admin && r.token.accepted(now));
        if token.role == Role::Admin && token.accepted(now) && !other_admin {
            return Err(TokenError::LastAdmin(id.to_owned()));
        }
        token.revoked_at = Some(now);
        token.revoked_by = Some(by.to_owned());
        self.store.put_tokens(&[(&hash, &token)])?;
        Ok(token)
    }

    fn find(&self, id: &str) -> Result<(String, MachineToken), TokenError> {
        self.store
            .tokens()?
            .into_iter()
            .find(|r| r.token.id == id)
            .map(|r| (r.hash, r.token))
            .ok_or_else(|| TokenError::NotFound(id.to_owned()))
    }
}

fn validate_name(name: &str) -> Result<(), TokenError> {
    let n = name.trim().chars().count();
    if n == 0 || n > 50 || name.chars().any(char::is_control) {
        return Err(TokenError::Name);
    }
    Ok(())
}

/// A new secret, its hash and its record.
fn fresh(
    name: String,
    role: Role,
    created_by: String,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> (String, String, MachineToken) {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret = format!("lb_{}", hex::encode(secret));
    let mut id = [0u8; 8];
    rand::rng().fill_bytes(&mut id);
    let token = MachineToken {
        id: format!("tk_{}", hex::encode(id)),
        name,
        role,
        created_at: now,
        created_by,
        expires_at: now + lifetime,
        revoked_at: None,
        revoked_by: None,
        replaced_by: None,
    };
    (secret.clone(), token_hash(&secret), token)
}

/// A token as it looked before tokens had an id and an expiry: migrated on first open with
/// `LEGACY_LIFETIME_DAYS` to live, so a deployment keeps working while the bureau rotates.
#[derive(Deserialize)]
pub struct LegacyToken {
    pub name: String,
    pub role: Role,
}

pub const LEGACY_LIFETIME_DAYS: i64 = 30;

impl LegacyToken {
    pub fn migrate(self, hash: &str, now: DateTime<Utc>) -> MachineToken {
        MachineToken {
            id: format!("tk_{}", &hash[..16.min(hash.len())]),
            name: self.name,
            role: self.role,
            created_at: now,
            created_by: "迁移".into(),
            expires_at: now + Duration::days(LEGACY_LIFETIME_DAYS),
            revoked_at: None,
            revoked_by: None,
            replaced_by: None,
        }
    }
}

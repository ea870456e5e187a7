//! Machine tokens in sled: `machine_tokens` holds the records by the hash of their secret,
//! `token_last_used` the advisory time of last use, apart so that noting a use can never
//! overwrite a revocation written meanwhile.

use chrono::{DateTime, Utc};

use super::{SledStore, decode, encode};
use crate::auth::tokens::{LegacyToken, MachineToken};
use crate::store::{StoreResult, TokenRow, TokenStore};

impl TokenStore for SledStore {
    fn put_tokens(&self, records: &[(&str, &MachineToken)]) -> StoreResult<()> {
        let mut batch = sled::Batch::default();
        for (hash, token) in records {
            batch.insert(hash.as_bytes(), encode(token)?);
        }
        self.machine_tokens.apply_batch(batch)?;
        self.durable()
    }

    fn token(&self, hash: &str) -> StoreResult<Option<MachineToken>> {
        self.get(&self.machine_tokens, hash.as_bytes())
    }

    fn tokens(&self) -> StoreResult<Vec<TokenRow>> {
        self.machine_tokens
            .iter()
            .map(|item| {
                let (key, value) = item?;
                let hash = String::from_utf8_lossy(&key).into_owned();
                let last_used_at = self.get(&self.token_last_used, &key)?;
                Ok(TokenRow {
                    hash,
                    token: decode(&value)?,
                    last_used_at,
                })
            })
            .collect()
    }

    fn touch_token(&self, hash: &str, at: DateTime<Utc>) -> StoreResult<()> {
        self.token_last_used.insert(hash.as_bytes(), encode(&at)?)?;
        Ok(())
    }
}

impl SledStore {
    /// Gives the tokens of a database from before ids and expiry a record each, with a short
    /// lifetime (`LEGACY_LIFETIME_DAYS`), and removes the old entries; once.
    pub(super) fn migrate_legacy_tokens(&self, now: DateTime<Utc>) -> StoreResult<()> {
        let mut migrated = Vec::new();
        for item in self.tokens.iter() {
            let (key, value) = item?;
            let legacy: LegacyToken = decode(&value)?;
            let hash = String::from_utf8_lossy(&key).into_owned();
            let token = legacy.migrate(&hash, now);
            migrated.push((hash, token));
        }
        if migrated.is_empty() {
            return Ok(());
        }
        tracing::warn!(
            count = migrated.len(),
            "tokens from before expiry were given an id and 30 days; rotate them"
        );
        let records: Vec<(&str, &MachineToken)> =
            migrated.iter().map(|(h, t)| (h.as_str(), t)).collect();
        // Written and flushed before the old entries go, so a crash between leaves both.
        self.put_tokens(&records)?;
        self.tokens.clear()?;
        self.durable()
    }
}

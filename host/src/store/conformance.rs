//! What every backend of a store trait must do, written once against the trait (the way
//! atuin's server tests its databases): a backend's tests call these on a fresh instance.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::TokenStore;
use crate::auth::Role;
use crate::auth::tokens::MachineToken;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0)
        .single()
        .unwrap_or_default()
}

fn token(id: &str, role: Role) -> MachineToken {
    MachineToken {
        id: id.into(),
        name: "系统".into(),
        role,
        created_at: at(0),
        created_by: "管理员".into(),
        expires_at: at(0) + Duration::days(90),
        revoked_at: None,
        revoked_by: None,
        replaced_by: None,
    }
}

/// Records come back as written, keyed by hash; a batch lands whole; a use is noted apart from
/// the record, so a later revocation and an earlier touch both survive.
pub fn token_store(store: &dyn TokenStore) {
    assert!(store.tokens().unwrap().is_empty());
    assert_eq!(store.token("aa").unwrap(), None);

    let a = token("tk_a", Role::Admin);
    let b = token("tk_b", Role::Department("tax".into()));
    store.put_tokens(&[("aa", &a), ("bb", &b)]).unwrap();
    assert_eq!(store.token("aa").unwrap(), Some(a.clone()));
    assert_eq!(store.token("bb").unwrap(), Some(b.clone()));

    store.touch_token("bb", at(60)).unwrap();
    let mut revoked = b.clone();
    revoked.revoked_at = Some(at(120));
    store.put_tokens(&[("bb", &revoked)]).unwrap();
    store.touch_token("bb", at(90)).unwrap();

    let mut rows = store.tokens().unwrap();
    rows.sort_by(|x, y| x.hash.cmp(&y.hash));
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].hash.as_str(), &rows[0].token), ("aa", &a));
    assert_eq!(rows[0].last_used_at, None);
    assert_eq!((rows[1].hash.as_str(), &rows[1].token), ("bb", &revoked));
    assert_eq!(rows[1].last_used_at, Some(at(90)));
}

//! What every backend of a store trait must do, written once against the trait (the way
//! atuin's server tests its databases): a backend's tests call these on a fresh instance.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::TokenStore;
use crate::auth::Role;
use crate::auth::tokens::MachineToken;
use crate::workflow::Case;

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

fn session(id: &str, sid: &str) -> crate::identity::model::Session {
    crate::identity::model::Session {
        id: id.into(),
        issuer: crate::identity::model::Issuer::Staff,
        subject: "wang".into(),
        provider_session: Some(sid.into()),
        name: "王敏".into(),
        id_number: None,
        csrf: "c".into(),
        active_role: Some(Role::Clerk),
        created_at: at(0),
        expires_at: at(3600),
    }
}

/// Sessions come back with their last use, which a touch moves without rewriting them;
/// removal takes both; the directory keeps one entry per subject; the log reads newest first.
pub fn identity_store(store: &dyn super::IdentityStore) {
    use crate::identity::model::{Issuer, SignInEvent, SignInOutcome, StaffMember};
    assert!(store.sessions().unwrap().is_empty());
    store.put_session("h1", &session("ss_1", "p1")).unwrap();
    store.put_session("h2", &session("ss_2", "p2")).unwrap();
    assert_eq!(
        store.session("h1").unwrap(),
        Some((session("ss_1", "p1"), None))
    );
    store.touch_session("h1", at(60)).unwrap();
    assert_eq!(store.session("h1").unwrap().unwrap().1, Some(at(60)));
    assert_eq!(store.sessions().unwrap().len(), 2);
    store.remove_sessions(&["h1".to_owned()]).unwrap();
    assert_eq!(store.session("h1").unwrap(), None);
    // A session written again under the same hash starts without the old one's last use.
    store.put_session("h1", &session("ss_3", "p3")).unwrap();
    assert_eq!(store.session("h1").unwrap().unwrap().1, None);

    let member = |roles: Vec<Role>| StaffMember {
        subject: "wang".into(),
        name: "王敏".into(),
        roles,
        updated_at: at(0),
        updated_by: "管理员".into(),
    };
    store.put_staff(&member(vec![Role::Clerk])).unwrap();
    store.put_staff(&member(vec![Role::Admin])).unwrap();
    assert_eq!(
        store.staff_members().unwrap(),
        vec![member(vec![Role::Admin])]
    );
    assert!(store.remove_staff("wang").unwrap());
    assert!(!store.remove_staff("wang").unwrap());
    assert_eq!(store.staff("wang").unwrap(), None);

    for (i, outcome) in [SignInOutcome::Failed, SignInOutcome::SignedIn]
        .into_iter()
        .enumerate()
    {
        store
            .record_sign_in(&SignInEvent {
                at: at(i as i64),
                issuer: Issuer::Staff,
                subject: None,
                outcome,
                reason: None,
                client: "127.0.0.1".into(),
            })
            .unwrap();
    }
    let log = store.sign_in_events(10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].outcome, SignInOutcome::SignedIn);
    assert_eq!(store.sign_in_events(1).unwrap().len(), 1);
}

/// Figures: a commit adds to its rows in its own transaction, a refused commit adds nothing,
/// two increments of one row sum, a period reads its days only, and a replacement leaves
/// exactly the rows given and marks them complete.
pub fn figure_store(store: &dyn super::CaseStore) {
    use std::sync::Arc;

    use lianban_sdk::Date;

    use super::Commit;
    use crate::supervision::{FigureKey, Tally};
    use crate::workflow::tests as cases;

    let row = |day: u8, clerk: &str| FigureKey {
        day: Date::ymd(2026, 11, day),
        one_thing: "newborn".into(),
        channel: "window".into(),
        clerk: clerk.into(),
        matter: String::new(),
        department: String::new(),
    };
    let received = |n: u64| Tally {
        received: n,
        ..Tally::default()
    };
    let calendar = lianban_sdk::testing::official_calendar();
    let case = Arc::new(cases::case(
        lianban_sdk::Channel::Window,
        crate::workflow::Delivery::Together,
        &calendar,
        Date::ymd(2026, 11, 27),
    ));
    // An event, so the case has a head a second "new" commit of it collides with.
    let event = crate::workflow::audit::Event::next(
        &crate::secret::SecretKey::random(),
        None,
        "2026-11-27T10:00:00+08:00",
        "测试",
        "system",
        crate::workflow::machine::Change::new("test", None, None, String::new(), String::new()),
    );
    let commit = |base: Option<u64>, figures: &[(FigureKey, Tally)]| {
        store.commit_case(Commit {
            at: "2026-11-27T10:00:00+08:00",
            case: &case,
            base_revision: base,
            base_head: None,
            events: std::slice::from_ref(&event),
            messages: &[],
            remember: None,
            figures,
        })
    };
    assert!(
        !store.figures_complete().unwrap(),
        "a new store has no figures yet"
    );
    commit(
        None,
        &[
            (row(27, "王敏"), received(1)),
            (row(26, "王敏"), received(2)),
        ],
    )
    .unwrap();
    // The same case again as if new: refused, and it adds nothing.
    assert!(commit(None, &[(row(27, "王敏"), received(100))]).is_err());
    let mut next = Case::clone(&case);
    next.revision += 1;
    store
        .commit_case(Commit {
            at: "2026-11-27T11:00:00+08:00",
            case: &Arc::new(next),
            base_revision: Some(case.revision),
            base_head: store.head(&case.id).unwrap(),
            events: &[],
            messages: &[],
            remember: None,
            figures: &[(row(27, "王敏"), received(3))],
        })
        .unwrap();
    let day = |d: u8| Date::ymd(2026, 11, d);
    assert_eq!(
        store.figures(day(27), day(27)).unwrap(),
        vec![(row(27, "王敏"), received(4))]
    );
    assert_eq!(store.figures(day(26), day(27)).unwrap().len(), 2);
    assert!(store.figures(day(28), day(30)).unwrap().is_empty());

    store
        .replace_figures(&[(row(25, "李强"), received(7))])
        .unwrap();
    assert!(store.figures_complete().unwrap());
    assert_eq!(
        store.figures(day(1), day(30)).unwrap(),
        vec![(row(25, "李强"), received(7))]
    );
    store.set_figures_incomplete().unwrap();
    assert!(!store.figures_complete().unwrap());
}

/// Ratings: the key is made once and kept; a rating reads back as written; a change must name
/// the rating it replaces, or nothing is written; the public counts move with each write.
pub fn rating_store(store: &dyn super::RatingStore) {
    use std::collections::BTreeMap;

    use crate::ratings::{Level, Rating, RatingChannel};

    let key = store.rating_key().unwrap();
    assert_eq!(key.len(), 32);
    assert_eq!(store.rating_key().unwrap(), key, "the key is kept");
    let first = Rating {
        case_id: "YJS-20261127-000001".into(),
        one_thing: "newborn".into(),
        rater: "ab12".into(),
        channel: RatingChannel::Online,
        overall: Level::Dissatisfied,
        matters: BTreeMap::new(),
        reasons: vec!["办理超时".into()],
        comment: None,
        rated_at: "2026-11-27T10:00:00.000+08:00".into(),
        changed_at: None,
    };
    let group = "one_thing:newborn".to_owned();
    store
        .put_rating(
            &first,
            None,
            &[(group.clone(), Level::Dissatisfied, 1)],
            None,
        )
        .unwrap();
    assert_eq!(
        store.rating(&first.case_id, "ab12").unwrap().as_ref(),
        Some(&first)
    );
    assert_eq!(store.rating(&first.case_id, "cd34").unwrap(), None);
    // A second "first" rating of the same person and case is refused, and counts nothing.
    let again = store.put_rating(
        &first,
        None,
        &[(group.clone(), Level::Dissatisfied, 1)],
        None,
    );
    assert!(
        matches!(again, Err(super::StoreError::Conflict(_))),
        "{again:?}"
    );
    let changed = Rating {
        overall: Level::Satisfied,
        changed_at: Some("2026-11-28T10:00:00.000+08:00".into()),
        ..first.clone()
    };
    store
        .put_rating(
            &changed,
            Some(&first),
            &[
                (group.clone(), Level::Dissatisfied, -1),
                (group.clone(), Level::Satisfied, 1),
            ],
            None,
        )
        .unwrap();
    let tallies = store.rating_tallies().unwrap();
    assert_eq!(tallies.len(), 1);
    assert_eq!(tallies[0].0, group);
    assert_eq!(tallies[0].1.levels, [0, 1, 0, 0, 0]);
}

/// Reports: nothing is frozen until one is; the first frozen report of a period stands, a
/// second one is answered with the first; periods do not mix.
pub fn report_store(store: &dyn super::ReportStore) {
    use crate::supervision::assessment::Weights;
    use crate::supervision::report::{Sources, build};

    let made = |period: &str, at: &str| {
        build(
            period.parse().unwrap(),
            &[],
            Sources {
                ratings: &[],
                names: Default::default(),
                weights: &Weights::default(),
                generated_at: at.into(),
            },
        )
    };
    assert_eq!(store.frozen_report("2026-10").unwrap(), None);
    let first = made("2026-10", "2026-11-02T09:00:00.000+08:00");
    assert_eq!(store.freeze_report(&first).unwrap(), first);
    let second = made("2026-10", "2026-11-03T09:00:00.000+08:00");
    assert_eq!(
        store.freeze_report(&second).unwrap(),
        first,
        "the first stands"
    );
    assert_eq!(store.frozen_report("2026-10").unwrap(), Some(first));
    assert_eq!(store.frozen_report("2026-Q4").unwrap(), None);
}

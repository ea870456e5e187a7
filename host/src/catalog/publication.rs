//! How the list of one-things changes (第四条、第六条、第九条、第二十一条): the lead department
//! edits a draft, files it with the bureau (备案), the bureau approves it or returns it with a
//! reason, and approved drafts are published in named batches (成熟一批、公布一批、实施一批)
//! that take effect on their implementation date. A published version never changes; a case
//! keeps the version it started on.

use lianban_sdk::Date;
use serde::{Deserialize, Serialize};

use super::OneThing;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DraftState {
    /// The lead department is writing it.
    Editing,
    /// Filed with the bureau, waiting for its answer; it cannot change meanwhile.
    Filed,
    /// The bureau sent it back; the reason is on the draft.
    Returned,
    /// The bureau approved it; the next batch may publish it.
    Approved,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Draft {
    pub one_thing: OneThing,
    /// Counts edits; a filing names the revision it filed, and an edit must name the revision
    /// it was made on, so two people editing at once cannot overwrite each other unnoticed.
    pub revision: u64,
    pub state: DraftState,
    /// The published version this draft changes, if any.
    pub based_on: Option<u32>,
    pub updated_by: String,
    pub updated_at: String,
    /// Why the bureau returned it, until it is filed again.
    pub returned_because: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub approved: bool,
    pub by: String,
    pub at: String,
    pub reason: Option<String>,
}

/// One filing with the bureau (备案), kept for good with the bureau's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Filing {
    pub one_thing: String,
    pub seq: u64,
    pub revision: u64,
    pub filed_by: String,
    pub filed_at: String,
    /// The definition as filed.
    pub definition: OneThing,
    pub decision: Option<Decision>,
}

/// A version of a one-thing as a batch published it. Immutable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublishedVersion {
    pub one_thing: String,
    pub version: u32,
    pub definition: OneThing,
    pub batch: String,
    pub published_on: Date,
    /// From this day new applications use this version (实施).
    pub effective_on: Date,
    /// The filing the bureau approved, if it went through one (the demo seed does not).
    pub filing: Option<u64>,
}

/// A named batch of publications (第六条).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Batch {
    pub code: String,
    pub name: String,
    pub published_on: Date,
    pub effective_on: Date,
    pub published_by: String,
    pub published_at: String,
    /// One-thing code and the version this batch published of it.
    pub entries: Vec<BatchEntry>,
}

impl Batch {
    /// The batch that publishes `versions`, listing each.
    pub fn publishing(
        code: String,
        name: String,
        (published_on, effective_on): (Date, Date),
        (by, at): (&str, &str),
        versions: &[PublishedVersion],
    ) -> Batch {
        Batch {
            code,
            name,
            published_on,
            effective_on,
            published_by: by.to_owned(),
            published_at: at.to_owned(),
            entries: versions
                .iter()
                .map(|v| BatchEntry {
                    one_thing: v.one_thing.clone(),
                    name: v.definition.name.clone(),
                    version: v.version,
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchEntry {
    pub one_thing: String,
    pub name: String,
    pub version: u32,
}

/// The version in effect on `day`: the newest one whose implementation date has come.
pub fn effective_on(versions: &[PublishedVersion], day: Date) -> Option<&PublishedVersion> {
    versions
        .iter()
        .filter(|v| v.effective_on <= day)
        .max_by_key(|v| (v.effective_on, v.version))
}

/// Why a command on a draft is refused, before anything is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The draft is with the bureau.
    UnderFiling,
    /// The edit was made on another revision than the current one.
    Stale { current: u64 },
    /// The command does not apply in the draft's state.
    WrongState(DraftState),
    /// Returning a filing needs a reason the lead department can act on.
    ReasonRequired,
}

/// Applies an edit to the current draft (if any): returns the next revision.
pub fn edit(current: Option<&Draft>, expected_revision: u64) -> Result<u64, Refusal> {
    match current {
        None if expected_revision == 0 => Ok(1),
        None => Err(Refusal::Stale { current: 0 }),
        Some(d) if d.state == DraftState::Filed => Err(Refusal::UnderFiling),
        Some(d) if d.revision != expected_revision => Err(Refusal::Stale {
            current: d.revision,
        }),
        // Editing an approved draft withdraws the approval: what the bureau approved is the
        // filed revision, not the new one.
        Some(d) => Ok(d.revision + 1),
    }
}

/// Filing is possible from editing or after a return, for the current revision only.
pub fn file(draft: &Draft, revision: u64) -> Result<(), Refusal> {
    match draft.state {
        DraftState::Editing | DraftState::Returned if draft.revision == revision => Ok(()),
        DraftState::Editing | DraftState::Returned => Err(Refusal::Stale {
            current: draft.revision,
        }),
        other => Err(Refusal::WrongState(other)),
    }
}

/// The bureau answers a filed draft; a return must say why.
pub fn decide(draft: &Draft, approve: bool, reason: Option<&str>) -> Result<(), Refusal> {
    if draft.state != DraftState::Filed {
        return Err(Refusal::WrongState(draft.state));
    }
    if !approve && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Refusal::ReasonRequired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(state: DraftState, revision: u64) -> Draft {
        Draft {
            one_thing: OneThing::default(),
            revision,
            state,
            based_on: None,
            updated_by: String::new(),
            updated_at: String::new(),
            returned_because: None,
        }
    }

    #[test]
    fn edits_name_their_revision_and_wait_for_the_bureau() {
        assert_eq!(edit(None, 0), Ok(1));
        assert_eq!(edit(None, 3), Err(Refusal::Stale { current: 0 }));
        let d = draft(DraftState::Editing, 2);
        assert_eq!(edit(Some(&d), 2), Ok(3));
        assert_eq!(edit(Some(&d), 1), Err(Refusal::Stale { current: 2 }));
        assert_eq!(
            edit(Some(&draft(DraftState::Filed, 2)), 2),
            Err(Refusal::UnderFiling)
        );
        assert_eq!(edit(Some(&draft(DraftState::Approved, 2)), 2), Ok(3));
    }

    #[test]
    fn filing_and_decisions_follow_the_states() {
        assert_eq!(file(&draft(DraftState::Editing, 2), 2), Ok(()));
        assert_eq!(file(&draft(DraftState::Returned, 2), 2), Ok(()));
        assert_eq!(
            file(&draft(DraftState::Editing, 2), 1),
            Err(Refusal::Stale { current: 2 })
        );
        assert_eq!(
            file(&draft(DraftState::Filed, 2), 2),
            Err(Refusal::WrongState(DraftState::Filed))
        );
        let filed = draft(DraftState::Filed, 2);
        assert_eq!(decide(&filed, true, None), Ok(()));
        assert_eq!(decide(&filed, false, None), Err(Refusal::ReasonRequired));
        assert_eq!(
            decide(&filed, false, Some("  ")),
            Err(Refusal::ReasonRequired)
        );
        assert_eq!(
            decide(&filed, false, Some("材料清单与基本目录不一致")),
            Ok(())
        );
        assert_eq!(
            decide(&draft(DraftState::Approved, 2), true, None),
            Err(Refusal::WrongState(DraftState::Approved))
        );
    }

    #[test]
    fn the_newest_version_in_effect_wins() {
        let v = |version: u32, effective: Date| PublishedVersion {
            one_thing: "x".into(),
            version,
            definition: OneThing::default(),
            batch: String::new(),
            published_on: effective,
            effective_on: effective,
            filing: None,
        };
        let versions = [v(1, Date::ymd(2026, 3, 1)), v(2, Date::ymd(2026, 12, 1))];
        assert_eq!(effective_on(&versions, Date::ymd(2026, 2, 28)), None);
        assert_eq!(
            effective_on(&versions, Date::ymd(2026, 11, 30))
                .unwrap()
                .version,
            1
        );
        assert_eq!(
            effective_on(&versions, Date::ymd(2026, 12, 1))
                .unwrap()
                .version,
            2
        );
    }
}

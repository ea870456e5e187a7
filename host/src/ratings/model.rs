//! Ratings: their levels, what a valid rating is, who may give it and when, and the public
//! aggregates they add to.

use std::collections::BTreeMap;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::clock::Clock;
use crate::store::{RatingStore, StoreError};
use crate::workflow::{Case, CaseStatus};

/// The five levels of 好差评.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = RatingLevel)]
pub enum Level {
    /// 非常满意
    VerySatisfied,
    /// 满意
    Satisfied,
    /// 基本满意
    FairlySatisfied,
    /// 不满意
    Dissatisfied,
    /// 非常不满意
    VeryDissatisfied,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::VerySatisfied,
        Level::Satisfied,
        Level::FairlySatisfied,
        Level::Dissatisfied,
        Level::VeryDissatisfied,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Level::VerySatisfied => "非常满意",
            Level::Satisfied => "满意",
            Level::FairlySatisfied => "基本满意",
            Level::Dissatisfied => "不满意",
            Level::VeryDissatisfied => "非常不满意",
        }
    }

    /// 差评: 不满意 or 非常不满意.
    pub fn is_bad(self) -> bool {
        matches!(self, Level::Dissatisfied | Level::VeryDissatisfied)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where the rating was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingChannel {
    /// The window's rating pad, the applicant pressing it beside the clerk.
    Window,
    Online,
    Sms,
}

/// The reasons an applicant may tick (more than one), good and bad.
pub const REASONS: [&str; 10] = [
    "一次办成",
    "办理速度快",
    "服务态度好",
    "材料要求清楚",
    "网上办理方便",
    "多次跑腿",
    "等候时间长",
    "材料要求不清楚",
    "服务态度差",
    "办理超时",
];

const MAX_COMMENT: usize = 500;

/// A rating as it is given.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRating {
    /// The whole one-thing.
    pub overall: Level,
    /// Each matter the applicant wishes to rate, by matter code.
    #[serde(default)]
    pub matters: BTreeMap<String, Level>,
    /// From `REASONS` (GET /ratings/reasons).
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A rating as it is kept: the rater only as a keyed hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rating {
    pub case_id: String,
    pub one_thing: String,
    /// HMAC-SHA256 of the rater's identity number under the platform's key: the same person
    /// rates a case once, and nobody reading the store learns who.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub rater: String,
    pub channel: RatingChannel,
    pub overall: Level,
    /// Matter code → (its department, the level).
    pub matters: BTreeMap<String, (String, Level)>,
    pub reasons: Vec<String>,
    pub comment: Option<String>,
    pub rated_at: String,
    pub changed_at: Option<String>,
}

/// Counts of each level, 非常满意 first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tally {
    pub levels: [u64; 5],
}

impl Tally {
    pub fn total(&self) -> u64 {
        self.levels.iter().sum()
    }

    /// 满意率: 非常满意, 满意 and 基本满意 among all.
    pub fn satisfaction(&self) -> Option<f64> {
        let total = self.total();
        (total > 0)
            .then(|| (self.levels[0] + self.levels[1] + self.levels[2]) as f64 / total as f64)
    }

    /// Adds `by` (or takes it away) to the count of `level`.
    pub fn shift(&mut self, level: Level, by: i64) {
        let n = &mut self.levels[level.index()];
        *n = n.saturating_add_signed(by);
    }
}

/// What a rating adds to the public aggregates (`one_thing:<code>`, `department:<code>`), and a
/// changed rating takes away.
pub fn aggregate_changes(old: Option<&Rating>, new: &Rating) -> Vec<(String, Level, i64)> {
    let mut out = Vec::new();
    let mut add = |r: &Rating, by: i64| {
        out.push((format!("one_thing:{}", r.one_thing), r.overall, by));
        for (department, level) in r.matters.values() {
            out.push((format!("department:{department}"), *level, by));
        }
    };
    if let Some(old) = old {
        add(old, -1);
    }
    add(new, 1);
    out
}

/// A public aggregate: one department or one-thing.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Aggregate {
    /// `one_thing` or `department`.
    pub kind: String,
    pub code: String,
    pub name: String,
    pub ratings: u64,
    /// Counts of 非常满意, 满意, 基本满意, 不满意, 非常不满意.
    pub levels: [u64; 5],
    pub satisfaction: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum RatingError {
    #[error("the case is not delivered yet")]
    NotYet,
    #[error("no rectification {0}")]
    UnknownRectification(u64),
    #[error("the rectification is at stage {0:?}")]
    WrongStage(super::rectification::Stage),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("the rating can no longer be changed")]
    Closed,
    #[error("record {0} of the same case and person is being verified")]
    InHand(u64),
    #[error("invalid rating: {}", .0.join("; "))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, RatingError>;

/// The limits of ratings and their 差评 loop.
#[derive(Clone, Copy, Debug)]
pub struct RatingRules {
    /// Days after the first rating within which it may be changed.
    pub change_days: i64,
    /// Working days the bureau has to verify a 差评 (核实).
    pub verify_days: u32,
    /// Working days the responsible department has to rectify an upheld one.
    pub rectify_days: u32,
    /// Share of a stage's days after which its clock warns.
    pub yellow_share: f64,
    /// Days the rating link texted at delivery works.
    pub link_days: i64,
}

impl Default for RatingRules {
    fn default() -> Self {
        RatingRules {
            change_days: 7,
            verify_days: 5,
            rectify_days: 15,
            yellow_share: crate::workflow::clocks::DEFAULT_YELLOW_SHARE,
            link_days: 15,
        }
    }
}

pub struct Ratings {
    pub(super) store: Arc<dyn RatingStore>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) calendar: Arc<crate::calendar::Calendar>,
    key: Vec<u8>,
    pub(super) rules: RatingRules,
    /// The SMS rating links, shared with the workflow that texts them.
    pub links: Arc<super::link::RatingLinks>,
    /// One command of the 差评 loop at a time: each reads a record and writes it back.
    pub(super) loop_commands: std::sync::Mutex<()>,
}

impl Ratings {
    pub fn new(
        store: Arc<dyn RatingStore>,
        clock: Arc<dyn Clock>,
        calendar: Arc<crate::calendar::Calendar>,
        rules: RatingRules,
        public_url: &str,
    ) -> Result<Ratings> {
        let key = store.rating_key()?;
        let links = Arc::new(super::link::RatingLinks::new(
            &key,
            public_url,
            rules.link_days,
        ));
        Ok(Ratings {
            store,
            clock,
            calendar,
            key,
            rules,
            links,
            loop_commands: std::sync::Mutex::new(()),
        })
    }

    pub(super) fn rater(&self, person: &str) -> String {
        // HMAC takes a key of any length; `new_from_slice` cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(b"rating\0");
        mac.update(person.trim().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// `person`'s rating of `case`, given or changed through `channel`. The caller has checked
    /// that the case is the person's.
    pub fn rate(
        &self,
        case: &Case,
        person: &str,
        channel: RatingChannel,
        input: NewRating,
    ) -> Result<Rating> {
        if !matches!(case.status, CaseStatus::Delivered | CaseStatus::Archived) {
            return Err(RatingError::NotYet);
        }
        let mut problems = Vec::new();
        let mut matters = BTreeMap::new();
        for (matter, level) in &input.matters {
            match case.item(matter) {
                Some(item) => {
                    matters.insert(matter.clone(), (item.department.clone(), *level));
                }
                None => problems.push(format!("办件中没有事项“{matter}”")),
            }
        }
        for r in &input.reasons {
            if !REASONS.contains(&r.as_str()) {
                problems.push(format!("“{r}”不是可选的评价理由"));
            }
        }
        let comment = input
            .comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT)
        {
            problems.push(format!("评价意见不超过 {MAX_COMMENT} 字"));
        }
        if !problems.is_empty() {
            return Err(RatingError::Invalid(problems));
        }
        let rater = self.rater(person);
        let now = self.clock.now();
        let old = self.store.rating(&case.id, &rater)?;
        if let Some(old) = &old {
            let first = chrono::DateTime::parse_from_rfc3339(&old.rated_at)
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or(now);
            if now - first > chrono::Duration::days(self.rules.change_days) {
                return Err(RatingError::Closed);
            }
        }
        let stamp = self.clock.stamp();
        let mut reasons = input.reasons;
        reasons.sort();
        reasons.dedup();
        let rating = Rating {
            case_id: case.id.clone(),
            one_thing: case.one_thing.clone(),
            rater,
            channel,
            overall: input.overall,
            matters,
            reasons,
            comment,
            rated_at: old
                .as_ref()
                .map_or_else(|| stamp.clone(), |o| o.rated_at.clone()),
            changed_at: old.as_ref().map(|_| stamp),
        };
        let changes = aggregate_changes(old.as_ref(), &rating);
        let opened = self.opens(&rating)?;
        self.store
            .put_rating(&rating, old.as_ref(), &changes, opened.as_ref())?;
        Ok(rating)
    }

    /// `person`'s rating of a case, if they gave one.
    pub fn rating_of(&self, case_id: &str, person: &str) -> Result<Option<Rating>> {
        Ok(self.store.rating(case_id, &self.rater(person))?)
    }

    /// Every public aggregate, as kept: (group, counts).
    pub fn aggregates(&self) -> Result<Vec<(String, Tally)>> {
        Ok(self.store.rating_tallies()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the store does with `changes` in the rating's transaction.
    fn apply(tallies: &mut BTreeMap<String, Tally>, changes: &[(String, Level, i64)]) {
        for (group, level, by) in changes {
            tallies.entry(group.clone()).or_default().shift(*level, *by);
        }
    }

    fn rating(overall: Level, matter: Level) -> Rating {
        Rating {
            case_id: "c".into(),
            one_thing: "newborn".into(),
            rater: "h".into(),
            channel: RatingChannel::Online,
            overall,
            matters: [("m".to_owned(), ("health".to_owned(), matter))].into(),
            reasons: vec![],
            comment: None,
            rated_at: String::new(),
            changed_at: None,
        }
    }

    #[test]
    fn a_changed_rating_moves_its_counts() {
        let mut tallies = BTreeMap::new();
        let first = rating(Level::Dissatisfied, Level::Satisfied);
        apply(&mut tallies, &aggregate_changes(None, &first));
        let second = rating(Level::VerySatisfied, Level::Satisfied);
        apply(&mut tallies, &aggregate_changes(Some(&first), &second));
        assert_eq!(tallies["one_thing:newborn"].levels, [1, 0, 0, 0, 0]);
        assert_eq!(tallies["department:health"].levels, [0, 1, 0, 0, 0]);
        assert_eq!(tallies["one_thing:newborn"].satisfaction(), Some(1.0));
    }
}

//! The 差评 loop (第二十五条: 涉及差评或投诉的，经核查属实，由相应责任人或责任单位承担责任): a
//! 不满意 or 非常不满意 rating opens a rectification record; the bureau verifies it (核实) within
//! a number of working days; upheld, it names the responsible department (and person, if one)
//! which rectifies within its limit (15 working days unless configured; local rules range from
//! 5 to 15) and the bureau records its callback to the applicant (回访); not upheld, the reason
//! is recorded and the applicant may appeal once. Each stage runs on the official calendar and
//! warns like any clock: yellow at its share of the days, red when overdue.

use lianban_sdk::{Date, WorkingCalendar};
use serde::{Deserialize, Serialize};

use crate::workflow::clocks::{self, ClockState};
use crate::workflow::model::Due;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RectificationStage)]
pub enum Stage {
    /// The bureau checks whether the 差评 is founded (核实).
    Verifying,
    /// Upheld: the responsible department puts it right (整改).
    Rectifying,
    /// Rectified: the bureau calls the applicant back (回访).
    CallingBack,
    /// Not upheld; the applicant may appeal once.
    NotUpheld,
    Closed,
}

impl Stage {
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Verifying => "核实中",
            Stage::Rectifying => "整改中",
            Stage::CallingBack => "待回访",
            Stage::NotUpheld => "核实不属实",
            Stage::Closed => "已办结",
        }
    }
}

/// A step of the loop, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = RectificationStep)]
pub struct Step {
    pub text: String,
    pub by: String,
    pub at: String,
}

/// What opened a record: a 差评, or a complaint (投诉) — made online by the applicant, at
/// the window, or passed on by the bureau from the 12345 hotline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RectificationSource)]
pub enum Source {
    #[default]
    Rating,
    ComplaintOnline,
    ComplaintWindow,
    ComplaintHotline,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rectification {
    pub id: u64,
    pub case_id: String,
    pub one_thing: String,
    #[serde(default)]
    pub source: Source,
    /// The rater's keyed hash, so only they may appeal; cleared from every answer.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rater: String,
    /// The rating's words: its overall level, the bad matters, reasons and comment.
    pub complaint: String,
    pub opened_at: String,
    pub stage: Stage,
    /// The working-day clock of the stage in hand (verifying or rectifying); none otherwise.
    pub due: Option<Due>,
    /// 核实: the finding, with who is responsible when upheld.
    pub verification: Option<Step>,
    pub upheld: Option<bool>,
    pub responsible_department: Option<String>,
    pub responsible_person: Option<String>,
    /// 整改: what the department did.
    pub rectification: Option<Step>,
    /// 回访: what the applicant said when called back.
    pub callback: Option<Step>,
    /// The applicant's one appeal against a finding of not upheld.
    pub appeal: Option<Step>,
    /// The warnings its stages' clocks raised, each once (`warnings.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<super::warnings::Warning>,
}

impl Rectification {
    /// Starts the stage's clock of `days` working days on `today`.
    pub fn start_stage(
        &mut self,
        stage: Stage,
        today: Date,
        days: u32,
        basis: &str,
        calendar: &WorkingCalendar,
    ) {
        self.stage = stage;
        self.due = Some(Due {
            from: today,
            working_days: days,
            due: calendar.add_working_days(today, days).ok(),
            basis: basis.to_owned(),
        });
    }

    /// Moves to a stage nobody is timed on.
    pub fn stop_clock(&mut self, stage: Stage) {
        self.stage = stage;
        self.due = None;
    }

    /// Where the running clock stands today, as every clock of the platform does: yellow once
    /// it used its share of the days, red when past them.
    pub fn clock(
        &self,
        today: Date,
        calendar: &WorkingCalendar,
        yellow_share: f64,
    ) -> Option<ClockState> {
        let due = self.due.as_ref()?;
        Some(clocks::state(due, today, calendar, yellow_share))
    }
}

use super::model::{Rating, RatingError, Ratings};

type Result<T> = std::result::Result<T, RatingError>;

/// The bureau's finding on a 差评.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = VerificationFinding)]
pub struct Finding {
    pub upheld: bool,
    /// Upheld: the department responsible (required) and the person, if one is.
    #[serde(default)]
    pub responsible_department: Option<String>,
    #[serde(default)]
    pub responsible_person: Option<String>,
    /// What was found, in writing.
    pub reason: String,
}

pub(super) fn written(text: &str, what: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2_000 {
        return Err(RatingError::Invalid(vec![format!(
            "{what}不能为空，且不超过 2000 字"
        )]));
    }
    Ok(text.to_owned())
}

impl Ratings {
    fn step(&self, text: &str, what: &str, by: &str) -> Result<Step> {
        Ok(Step {
            text: written(text, what)?,
            by: by.to_owned(),
            at: self.clock.stamp(),
        })
    }

    /// The record a rating opens: a 差评 (overall or on a matter) of a case with no record of
    /// this rater still in hand.
    pub(super) fn opens(&self, rating: &Rating) -> Result<Option<Rectification>> {
        let bad_matters: Vec<&str> = rating
            .matters
            .iter()
            .filter(|(_, (_, level))| level.is_bad())
            .map(|(m, _)| m.as_str())
            .collect();
        if !rating.overall.is_bad() && bad_matters.is_empty() {
            return Ok(None);
        }
        let in_hand = self.store.rectifications()?.into_iter().any(|r| {
            r.case_id == rating.case_id && r.rater == rating.rater && r.stage != Stage::Closed
        });
        if in_hand {
            return Ok(None);
        }
        let mut complaint = format!("总体评价：{}", rating.overall.zh());
        if !bad_matters.is_empty() {
            complaint.push_str(&format!("；差评事项：{}", bad_matters.join("、")));
        }
        if !rating.reasons.is_empty() {
            complaint.push_str(&format!("；理由：{}", rating.reasons.join("、")));
        }
        if let Some(c) = &rating.comment {
            complaint.push_str(&format!("；意见：{c}"));
        }
        let opened = self.opened(
            (&rating.case_id, &rating.one_thing),
            &rating.rater,
            Source::Rating,
            complaint,
        )?;
        Ok(Some(opened))
    }

    /// A new record in verification, its clock started today.
    pub(super) fn opened(
        &self,
        (case_id, one_thing): (&str, &str),
        rater: &str,
        source: Source,
        complaint: String,
    ) -> Result<Rectification> {
        let mut record = Rectification {
            id: self.store.next_rectification_id()?,
            case_id: case_id.to_owned(),
            one_thing: one_thing.to_owned(),
            source,
            rater: rater.to_owned(),
            complaint,
            opened_at: self.clock.stamp(),
            stage: Stage::Verifying,
            due: None,
            verification: None,
            upheld: None,
            responsible_department: None,
            responsible_person: None,
            rectification: None,
            callback: None,
            appeal: None,
            warnings: Vec::new(),
        };
        let days = self.rules.verify_days;
        let basis = match source {
            Source::Rating => format!("差评核实 {days} 个工作日"),
            _ => format!("投诉核实 {days} 个工作日"),
        };
        record.start_stage(
            Stage::Verifying,
            self.clock.today(),
            days,
            &basis,
            &self.calendar.current(),
        );
        Ok(record)
    }

    /// Reads record `id`, lets `change` move it on, and writes it back.
    fn change(
        &self,
        id: u64,
        change: impl FnOnce(&mut Rectification) -> Result<()>,
    ) -> Result<Rectification> {
        let _one = self.loop_commands.lock().unwrap_or_else(|p| p.into_inner());
        let mut record = self
            .store
            .rectification(id)?
            .ok_or(RatingError::UnknownRectification(id))?;
        change(&mut record)?;
        self.store.put_rectification(&record, &[])?;
        Ok(record)
    }

    /// 核实: the bureau's finding. Upheld, the responsible department's clock starts.
    pub fn verify(
        &self,
        id: u64,
        finding: Finding,
        known_department: impl Fn(&str) -> bool,
        by: &str,
    ) -> Result<Rectification> {
        let step = self.step(&finding.reason, "核实结论", by)?;
        let today = self.clock.today();
        let calendar = self.calendar.current();
        let days = self.rules.rectify_days;
        self.change(id, |r| {
            if r.stage != Stage::Verifying {
                return Err(RatingError::WrongStage(r.stage));
            }
            r.verification = Some(step);
            r.upheld = Some(finding.upheld);
            if finding.upheld {
                let department = finding
                    .responsible_department
                    .filter(|d| known_department(d))
                    .ok_or_else(|| {
                        RatingError::Invalid(vec!["核实属实须写明责任单位（部门代码）".into()])
                    })?;
                r.responsible_department = Some(department);
                r.responsible_person = finding
                    .responsible_person
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty());
                r.start_stage(
                    Stage::Rectifying,
                    today,
                    days,
                    &format!("整改 {days} 个工作日"),
                    &calendar,
                );
            } else {
                r.stop_clock(Stage::NotUpheld);
            }
            Ok(())
        })
    }

    /// 整改: the responsible department reports what it did.
    pub fn rectify(
        &self,
        id: u64,
        department: &str,
        text: &str,
        by: &str,
    ) -> Result<Rectification> {
        let step = self.step(text, "整改情况", by)?;
        self.change(id, |r| {
            if r.stage != Stage::Rectifying {
                return Err(RatingError::WrongStage(r.stage));
            }
            if r.responsible_department.as_deref() != Some(department) {
                return Err(RatingError::Forbidden("只有责任单位可以报告整改情况"));
            }
            r.rectification = Some(step);
            r.stop_clock(Stage::CallingBack);
            Ok(())
        })
    }

    /// 回访: the bureau records what the applicant said when called back; the loop closes.
    pub fn call_back(&self, id: u64, text: &str, by: &str) -> Result<Rectification> {
        let step = self.step(text, "回访情况", by)?;
        self.change(id, |r| {
            if r.stage != Stage::CallingBack {
                return Err(RatingError::WrongStage(r.stage));
            }
            r.callback = Some(step);
            r.stop_clock(Stage::Closed);
            Ok(())
        })
    }

    /// The applicant's one appeal against a finding of not upheld: verified again.
    pub fn appeal(&self, id: u64, person: &str, text: &str) -> Result<Rectification> {
        let step = self.step(text, "申诉理由", "申请人")?;
        let rater = self.rater(person);
        let today = self.clock.today();
        let calendar = self.calendar.current();
        let days = self.rules.verify_days;
        self.change(id, |r| {
            if r.rater != rater {
                return Err(RatingError::Forbidden("只有评价人本人可以申诉"));
            }
            if r.stage != Stage::NotUpheld {
                return Err(RatingError::WrongStage(r.stage));
            }
            if r.appeal.is_some() {
                return Err(RatingError::Invalid(vec!["每件差评只能申诉一次".into()]));
            }
            r.appeal = Some(step);
            r.upheld = None;
            r.start_stage(
                Stage::Verifying,
                today,
                days,
                &format!("申诉复核 {days} 个工作日"),
                &calendar,
            );
            Ok(())
        })
    }

    /// Every record, newest first, with where its clock stands today.
    pub fn rectifications(&self) -> Result<Vec<(Rectification, Option<ClockState>)>> {
        let today = self.clock.today();
        let calendar = self.calendar.current();
        let mut all: Vec<_> = self
            .store
            .rectifications()?
            .into_iter()
            .map(|r| {
                let clock = r.clock(today, &calendar, self.rules.yellow_share);
                (r, clock)
            })
            .collect();
        all.sort_by_key(|(r, _)| std::cmp::Reverse(r.id));
        Ok(all)
    }
}

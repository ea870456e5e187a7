//! The 差评 loop's own warnings (电子监察 of 第二十五条): each running stage warns once when it
//! has used its share of the working days and once when it is past them. A rectification's
//! warning goes to the responsible department; a verification's is the bureau's own, on its
//! list.

use lianban_sdk::Date;
use serde::{Deserialize, Serialize};

use super::model::{RatingError, Ratings};
use super::rectification::{Rectification, Stage};
use crate::workflow::clocks::ClockState;
use crate::workflow::model::CardLevel;
use crate::workflow::outbox::Message;

type Result<T> = std::result::Result<T, RatingError>;

/// A warning of a stage's clock (电子监察 of the 差评 loop): yellow once the stage used its
/// share of the days, red when past them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = RectificationWarning)]
pub struct Warning {
    pub stage: Stage,
    /// The day the stage's clock started: a stage started again (an appeal) warns again.
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    pub level: CardLevel,
    pub raised_at: String,
}

impl Ratings {
    /// The warnings' pass, beside the cases' (`jobs.rs`): each running stage that reached its
    /// share of the days, or passed them, warns once. A rectification's warning goes to the
    /// responsible department — its system and its duty phone — in the same write that keeps
    /// it on the record; a verification's is the bureau's own, shown on its list.
    pub fn warn(&self) -> Result<Vec<(u64, CardLevel)>> {
        let today = self.clock.today();
        let calendar = self.calendar.current();
        let mut raised = Vec::new();
        for record in self.store.rectifications()? {
            let level = match record.clock(today, &calendar, self.rules.yellow_share) {
                Some(ClockState::Warning) => CardLevel::Yellow,
                Some(ClockState::Overdue) => CardLevel::Red,
                _ => continue,
            };
            let Some(from) = record.due.as_ref().map(|d| d.from) else {
                continue;
            };
            let stage = record.stage;
            let known = |w: &Warning| w.stage == stage && w.from == from && w.level == level;
            if record.warnings.iter().any(known) {
                continue;
            }
            let _one = self.loop_commands.lock().unwrap_or_else(|p| p.into_inner());
            // Read again under the lock: a step may have moved the record on meanwhile.
            let Some(mut record) = self.store.rectification(record.id)? else {
                continue;
            };
            if record.stage != stage || record.due.as_ref().map(|d| d.from) != Some(from) {
                continue;
            }
            record.warnings.push(Warning {
                stage,
                from,
                level,
                raised_at: self.clock.stamp(),
            });
            let messages = warning_messages(&record, level);
            self.store.put_rectification(&record, &messages)?;
            raised.push((record.id, level));
        }
        Ok(raised)
    }
}

/// What a warning of the rectifying stage sends its department: the webhook status
/// `rectification_warning` or `rectification_overdue`, and an SMS to its duty phone.
fn warning_messages(record: &Rectification, level: CardLevel) -> Vec<Message> {
    let (Stage::Rectifying, Some(department)) = (record.stage, &record.responsible_department)
    else {
        return Vec::new();
    };
    let due = record
        .due
        .as_ref()
        .and_then(|d| d.due)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let (status, text) = match level {
        CardLevel::Yellow => (
            "rectification_warning",
            format!(
                "差评整改预警：办件{}的差评整改（第{}号）将于{due}到期，请抓紧整改并报告整改情况。",
                record.case_id, record.id
            ),
        ),
        CardLevel::Red => (
            "rectification_overdue",
            format!(
                "差评整改超期：办件{}的差评整改（第{}号）已于{due}到期，请立即整改并报告整改情况。",
                record.case_id, record.id
            ),
        ),
    };
    vec![
        Message::Webhook {
            department: department.clone(),
            case_id: record.case_id.clone(),
            matter: String::new(),
            status: status.to_owned(),
        },
        Message::DutySms {
            department: department.clone(),
            text,
        },
    ]
}

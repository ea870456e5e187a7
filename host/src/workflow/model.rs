//! Cases and items: one application for one one-thing (办件), and the part of it each department
//! handles (联办事项办件).

use std::collections::BTreeMap;
use std::sync::Arc;

use lianban_sdk::{Channel, Date};
use serde::{Deserialize, Serialize};

use crate::precheck::{JudgedBy, NoticeItem};

/// How the applicant wants the results (第十七条).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum Delivery {
    /// All results together at the window once every matter is done.
    Together,
    /// Each result at the window as soon as it is back.
    Separately,
    /// By post once every matter is done; the window records the tracking number.
    Mail {
        address: String,
        recipient: String,
        mobile: String,
        #[serde(default)]
        tracking_number: Option<String>,
    },
    /// Electronic results printed by the applicant (自助终端或在线打印).
    SelfPrint,
}

/// The applicant as the case records them; the mobile number receives the SMS notices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub name: String,
    pub id_number: String,
    pub mobile: String,
}

/// Someone applying for another person (代办), with the scan of the power of attorney
/// (委托书) the person signed. Online, the agent is the one signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    pub name: String,
    pub id_number: String,
    pub mobile: String,
    /// The sha256 of the uploaded 委托书 scan (`POST /files`).
    pub authorization: String,
}

/// A material received with the case. Scans are stored by content hash; the paper original,
/// if shown at the window, stays there (第十八条).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseMaterial {
    pub code: String,
    pub form: lianban_sdk::MaterialForm,
    pub pages: u32,
    #[serde(default)]
    pub issued_on: Option<Date>,
    #[serde(default)]
    pub valid_until: Option<Date>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// SHA-256 of each stored file of this material (scans, photos, OFD/PDF).
    #[serde(default)]
    pub files: Vec<String>,
    /// The window keeps the paper original (第十八条).
    #[serde(default)]
    pub original_kept_at_window: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Submitted online; the window must confirm receipt or send the notice within one working
    /// day (第十四条).
    Submitted,
    /// A one-time correction notice (一次性告知书) was issued; waiting for the applicant.
    Incomplete,
    /// Received with a receipt; items are with the departments.
    InProgress,
    /// Every item has ended; results are at the window.
    Completed,
    /// Results delivered as the applicant chose (第十七条).
    Delivered,
    /// Closed and read-only (第十八条).
    Archived,
    /// Withdrawn by the applicant before any decision.
    Withdrawn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Waiting for a prerequisite matter's approval (前置事项).
    Waiting,
    /// Sent to the department, which must accept or reject within one working day (第十五条).
    Distributed,
    /// Accepted; the decision clock runs (第十六条).
    Accepted,
    /// Special procedure (特别程序): the decision clock is stopped.
    Suspended,
    /// Not accepted, with a reason (不予受理, 第十五条). Ends the item.
    Rejected,
    /// Decided (准予 or 不予); the result goes back to the window within one working day
    /// (第十七条).
    Decided,
    /// A prerequisite failed, so this matter cannot go on. Ends the item.
    Cancelled,
    /// The applicant withdrew the case. Ends the item.
    Withdrawn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    Deny,
}

impl Outcome {
    /// As it is written in JSON and on the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::Deny => "deny",
        }
    }
}

/// Why the decision clock stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuspensionKind {
    /// 检验检测
    Testing,
    /// 专家评审
    ExpertReview,
    /// 听证
    Hearing,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Suspension {
    pub kind: SuspensionKind,
    pub reason: String,
    pub from: Date,
    /// `None` while still suspended.
    pub until: Option<Date>,
}

/// A result document of a decision: a stored file, or an electronic certificate number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResultDocument {
    pub name: String,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub elicense_number: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub outcome: Outcome,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub documents: Vec<ResultDocument>,
    pub decided_on: Date,
}

/// When something is due, in working days, and whether the calendar could say for sure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Due {
    pub from: Date,
    pub working_days: u32,
    /// `None` when a year on the way has no official calendar yet: the due date is then
    /// computed again once the year is loaded.
    pub due: Option<Date>,
    pub basis: String,
}

impl Due {
    pub fn is_provisional(&self) -> bool {
        self.due.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    pub matter: String,
    pub name: String,
    pub department: String,
    pub prerequisites: Vec<String>,
    pub status: ItemStatus,
    /// When the platform sent it to the department (第十四条: 即时传输).
    pub distributed_at: Option<String>,
    /// When the department confirmed it received the item (第二十条 确认接收).
    pub department_received_at: Option<String>,
    pub accept_due: Option<Due>,
    pub accepted_on: Option<Date>,
    pub rejection_reason: Option<String>,
    pub decision_due: Option<Due>,
    pub suspensions: Vec<Suspension>,
    pub decision: Option<Decision>,
    pub return_due: Option<Due>,
    /// When the department sent the result back to the window (第十七条).
    pub returned_at: Option<String>,
    /// When the window confirmed it received the result (第二十二条).
    pub window_received_at: Option<String>,
    pub cancel_reason: Option<String>,
}

impl Item {
    pub fn new(matter: &str, name: &str, department: &str, prerequisites: Vec<String>) -> Item {
        Item {
            matter: matter.to_owned(),
            name: name.to_owned(),
            department: department.to_owned(),
            prerequisites,
            status: ItemStatus::Waiting,
            distributed_at: None,
            department_received_at: None,
            accept_due: None,
            accepted_on: None,
            rejection_reason: None,
            decision_due: None,
            suspensions: Vec::new(),
            decision: None,
            return_due: None,
            returned_at: None,
            window_received_at: None,
            cancel_reason: None,
        }
    }

    /// Nothing more will happen to it: rejected, cancelled, withdrawn, or decided with the
    /// result back at the window.
    pub fn is_finished(&self) -> bool {
        match self.status {
            ItemStatus::Rejected | ItemStatus::Cancelled | ItemStatus::Withdrawn => true,
            ItemStatus::Decided => self.returned_at.is_some(),
            _ => false,
        }
    }

    pub fn is_approved(&self) -> bool {
        self.status == ItemStatus::Decided
            && self
                .decision
                .as_ref()
                .is_some_and(|d| d.outcome == Outcome::Approve)
    }

    /// Ended without approval: dependents cannot proceed.
    pub fn has_failed(&self) -> bool {
        match self.status {
            ItemStatus::Rejected | ItemStatus::Cancelled | ItemStatus::Withdrawn => true,
            ItemStatus::Decided => !self.is_approved(),
            _ => false,
        }
    }
}

/// The receipt (收件回执, 第十四条).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    pub number: String,
    pub received_on: Date,
    pub materials: Vec<String>,
    /// The overall promised date, along the longest chain of prerequisites; `None` while a
    /// year on the way has no calendar.
    pub promised_by: Option<Date>,
}

/// A one-time correction notice (一次性告知书).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CorrectionNotice {
    pub issued_at: String,
    pub items: Vec<NoticeItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Case {
    pub id: String,
    pub one_thing: String,
    pub one_thing_name: String,
    /// The published version of the one-thing the case started on; it keeps it even when a
    /// newer version takes effect (第九条: the guide it was told is the one it is handled by).
    #[serde(default)]
    pub one_thing_version: u32,
    pub channel: Channel,
    pub status: CaseStatus,
    pub applicant: Applicant,
    /// Who applied for the applicant, when someone did (代办).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    // The application and the versions that judged it rarely change once a case is open, so
    // they are shared between a case's successive states instead of copied by every command.
    pub fields: Arc<BTreeMap<String, String>>,
    pub materials: Arc<[CaseMaterial]>,
    pub delivery: Delivery,
    /// Shared with the case's earlier state until a command changes them: a command changes one
    /// item or a few, and copies only those.
    pub items: Vec<Arc<Item>>,
    /// The rule versions that judged the application at intake; kept for the case's life.
    pub judged_by: Arc<[JudgedBy]>,
    pub notices: Vec<CorrectionNotice>,
    pub receipt: Option<Receipt>,
    /// Online submissions: the window's one working day to confirm or send the notice.
    pub intake_due: Option<Due>,
    pub created_at: String,
    pub completed_at: Option<String>,
    pub delivered_at: Option<String>,
    pub archived_at: Option<String>,
    pub withdrawn_at: Option<String>,
    /// When retention replaced the case's personal values (个人信息保护法第四十七条); the
    /// archive record — numbers, matters, decisions, dates — stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymised_at: Option<String>,
    /// Clock warnings and overdues already raised, by clock key and level, so each is raised
    /// once (`acceptance:birth-registration:overdue`).
    #[serde(default)]
    pub alerts: Vec<String>,
    /// The yellow and red cards of 电子监察 raised on the case's clocks, with the departments'
    /// explanations of the red ones, kept with the case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<Card>,
    /// Incremented by every command; clients may send it back to detect lost updates.
    pub revision: u64,
}

impl Case {
    pub fn item(&self, matter: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.matter == matter).map(|i| &**i)
    }

    pub fn item_mut(&mut self, matter: &str) -> Option<&mut Item> {
        self.items
            .iter_mut()
            .find(|i| i.matter == matter)
            .map(Arc::make_mut)
    }

    /// Any decision taken yet? Withdrawal is only possible before the first.
    pub fn any_decided(&self) -> bool {
        self.items.iter().any(|i| i.decision.is_some())
    }

    pub fn all_finished(&self) -> bool {
        self.items.iter().all(|i| i.is_finished())
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;

    /// What a client sends inside an intake is held to its shape like the intake itself: a
    /// misspelt key is an error, never silently dropped (found by the contract test, which sent
    /// an applicant and a delivery full of invented keys and had them taken).
    #[test]
    fn unknown_keys_inside_an_application_are_refused() {
        let applicant = serde_json::json!({
            "name": "李芳", "id_number": "410702199205050027", "mobile": "13812345678",
            "mobil": "13812345678",
        });
        assert!(serde_json::from_value::<Applicant>(applicant).is_err());
        // (serde checks the keys of the modes with fields; a mode without any, `together`
        // for example, still ignores what else comes with it.)
        let mail = serde_json::json!({
            "mode": "mail", "address": "a", "recipient": "r", "mobile": "m", "adress": "a",
        });
        assert!(serde_json::from_value::<Delivery>(mail).is_err());
        let material = serde_json::json!({ "code": "c", "form": "scan", "pages": 1, "file": "x" });
        assert!(serde_json::from_value::<CaseMaterial>(material).is_err());
        let fine = serde_json::json!({ "mode": "self_print" });
        assert_eq!(
            serde_json::from_value::<Delivery>(fine).ok(),
            Some(Delivery::SelfPrint)
        );
    }
}

/// A card of 电子监察 (第二十四条): yellow when a running clock has used its share of the
/// promised time, red when it is overdue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardLevel {
    Yellow,
    Red,
}

impl CardLevel {
    /// The word the case's list of raised alerts keeps it under (each is raised once).
    pub fn alert_word(self) -> &'static str {
        match self {
            CardLevel::Yellow => "warning",
            CardLevel::Red => "overdue",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Card {
    /// The clock it was raised on: `decision:birth-registration`, `intake:case`.
    pub clock: String,
    pub level: CardLevel,
    pub matter: Option<String>,
    /// The department the clock runs for; none for the window's intake clock.
    pub department: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<Date>,
    pub raised_at: String,
    /// A red card's written explanation by its department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<CardExplanation>,
}

impl Card {
    /// Its entry in the case's list of raised alerts.
    pub fn alert(&self) -> String {
        format!("{}:{}", self.clock, self.level.alert_word())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CardExplanation {
    pub text: String,
    pub by: String,
    pub at: String,
}

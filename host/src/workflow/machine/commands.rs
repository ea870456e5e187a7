//! What the state machine speaks: the commands, the context they run in, the effects they
//! cause (SMS, webhooks), the audit record of each change, and the errors.

use std::collections::BTreeMap;

use lianban_sdk::{Date, WorkingCalendar};
use serde::{Deserialize, Serialize};

use crate::precheck::NoticeItem;
use crate::workflow::model::{
    Card, CardLevel, CaseMaterial, Due, ItemStatus, Outcome, ResultDocument, SuspensionKind,
};

/// When and on which day a command happens, and the calendar to count with.
pub struct Ctx<'a> {
    pub at: String,
    pub today: Date,
    pub calendar: &'a WorkingCalendar,
}

impl Ctx<'_> {
    /// `days` working days from today, or `None` (provisional) when the calendar lacks a year.
    pub fn due(&self, days: u32, basis: &str) -> Due {
        self.due_from(self.today, days, basis)
    }

    pub fn due_from(&self, from: Date, days: u32, basis: &str) -> Due {
        Due {
            from,
            working_days: days,
            due: self.calendar.add_working_days(from, days).ok(),
            basis: basis.to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Record a one-time correction notice (第十四条). Window intake of an incomplete
    /// application, or the window's answer to an online submission.
    IssueNotice {
        items: Vec<NoticeItem>,
    },
    /// Replace the form and materials while the case waits for correction.
    UpdateApplication {
        fields: BTreeMap<String, String>,
        materials: Vec<CaseMaterial>,
    },
    /// Confirm receipt and distribute (第十四条): issue the receipt, send every matter without
    /// prerequisites to its department at once.
    Receive {
        receipt_number: String,
        promised_by: Option<Date>,
    },
    /// The department confirms it has the item (第二十条 确认接收).
    ConfirmDistribution {
        matter: String,
    },
    /// 受理 (第十五条); the decision clock starts with the due date from the matter's rules
    /// (第十六条).
    Accept {
        matter: String,
        decision_due: Due,
    },
    /// 不予受理, with the reason the applicant will read (第十五条).
    Reject {
        matter: String,
        reason: String,
    },
    /// 特别程序: stop the decision clock.
    Suspend {
        matter: String,
        kind: SuspensionKind,
        reason: String,
    },
    Resume {
        matter: String,
    },
    /// 准予 or 不予 (第十六条); a denial needs a reason.
    Decide {
        matter: String,
        outcome: Outcome,
        reason: Option<String>,
        documents: Vec<ResultDocument>,
    },
    /// The department sends the result back to the window (第十七条).
    ReturnResult {
        matter: String,
    },
    /// The window confirms it received the result (第二十二条).
    ReceiveResult {
        matter: String,
    },
    /// Hand the results over as the applicant chose (第十七条). Mail needs the tracking number.
    Deliver {
        tracking_number: Option<String>,
    },
    /// Close the case (第十八条).
    Archive,
    /// The applicant withdraws, before any decision.
    Withdraw {
        reason: String,
    },
    /// The supervisor's clock: a stage used its share of the promised time (yellow) or is past
    /// its due date (red) (电子监察, 第二十四条). Raised once per clock and level.
    RaiseAlert {
        /// `card.alert()`: what the case's list of raised alerts and the audit trail say.
        alert: String,
        card: Card,
    },
    /// A department's written explanation of a red card on one of its clocks.
    ExplainCard {
        clock: String,
        text: String,
        by: String,
    },
    /// Due dates computed while a year's calendar was missing are computed again now that it
    /// is loaded.
    SettleDeadlines,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::IssueNotice { .. } => "issue_notice",
            Command::UpdateApplication { .. } => "update_application",
            Command::Receive { .. } => "receive",
            Command::ConfirmDistribution { .. } => "confirm_distribution",
            Command::Accept { .. } => "accept",
            Command::Reject { .. } => "reject",
            Command::Suspend { .. } => "suspend",
            Command::Resume { .. } => "resume",
            Command::Decide { .. } => "decide",
            Command::ReturnResult { .. } => "return_result",
            Command::ReceiveResult { .. } => "receive_result",
            Command::Deliver { .. } => "deliver",
            Command::Archive => "archive",
            Command::Withdraw { .. } => "withdraw",
            Command::RaiseAlert { .. } => "raise_alert",
            Command::ExplainCard { .. } => "explain_card",
            Command::SettleDeadlines => "settle_deadlines",
        }
    }

    /// The item a command is about, if any.
    pub fn matter(&self) -> Option<&str> {
        match self {
            Command::ConfirmDistribution { matter }
            | Command::Accept { matter, .. }
            | Command::Reject { matter, .. }
            | Command::Suspend { matter, .. }
            | Command::Resume { matter }
            | Command::Decide { matter, .. }
            | Command::ReturnResult { matter }
            | Command::ReceiveResult { matter } => Some(matter),
            _ => None,
        }
    }

    pub(super) fn reason(&self) -> Option<&str> {
        match self {
            Command::Reject { reason, .. }
            | Command::Suspend { reason, .. }
            | Command::Withdraw { reason }
            | Command::RaiseAlert { alert: reason, .. }
            | Command::ExplainCard { text: reason, .. } => Some(reason),
            Command::Decide { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }
}

/// An SMS to the applicant (第十五条 短信告知, 第十七条 通知). Rendered from zh-CN templates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum Sms {
    Receipt {
        number: String,
        promised_by: Option<Date>,
    },
    CorrectionNotice {
        items: usize,
    },
    Accepted {
        matter: String,
    },
    Rejected {
        matter: String,
        reason: String,
    },
    ResultReady {
        matter: Option<String>,
    },
    Mailed {
        tracking_number: String,
    },
}

impl Sms {
    /// The invitation to rate a delivered case through `link`.
    pub fn rating_invitation(one_thing: &str, link: &str) -> String {
        format!(
            "【红旗区政务服务】您申请的“{one_thing}”已办结送达。欢迎评价本次办理（好差评）：{link}"
        )
    }

    pub fn render(&self, one_thing: &str) -> String {
        let head = format!("【红旗区政务服务】您申请的“{one_thing}”");
        match self {
            Sms::Receipt {
                number,
                promised_by,
            } => match promised_by {
                Some(d) => format!("{head}已收件，收件号{number}，承诺于{d}前办结。"),
                None => format!("{head}已收件，收件号{number}，办结日期待节假日安排公布后告知。"),
            },
            Sms::CorrectionNotice { items } => {
                format!("{head}需补齐补正材料共{items}项，请查看一次性告知书，补正后即可继续办理。")
            }
            Sms::Accepted { matter } => format!("{head}中的“{matter}”已受理。"),
            Sms::Rejected { matter, reason } => {
                format!("{head}中的“{matter}”不予受理，理由：{reason}。")
            }
            Sms::ResultReady {
                matter: Some(matter),
            } => {
                format!("{head}中的“{matter}”已办结，结果已送达窗口，请按您选择的方式领取。")
            }
            Sms::ResultReady { matter: None } => {
                format!("{head}已全部办结，请按您选择的方式领取办理结果。")
            }
            Sms::Mailed { tracking_number } => {
                format!("{head}办理结果已邮寄，运单号{tracking_number}。")
            }
        }
    }
}

/// What a command causes besides the change to the case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Sms(Sms),
    /// At delivery: the applicant is invited by SMS to rate, with a link the host signs
    /// (好差评, 第二十五条); the service makes the link, so the machine stays pure.
    RatingInvitation,
    /// A card raised on a department's clock: its system and its duty phone are told.
    Card {
        department: String,
        matter: Option<String>,
        level: CardLevel,
        text: String,
    },
    /// A department's system is told about one of its items (distribution, state changes).
    Webhook {
        department: String,
        matter: String,
        status: ItemStatus,
    },
}

/// The audit record of one command: who, what, why, and the state before and after; for a
/// decision also its outcome and the result documents (with their files' sha256), which an
/// inspector checks against what was handed over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub command: String,
    pub matter: Option<String>,
    pub reason: Option<String>,
    pub before: String,
    pub after: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<ResultDocument>,
}

impl Change {
    /// A change with no outcome or documents.
    pub fn new(
        command: &str,
        matter: Option<&str>,
        reason: Option<&str>,
        before: String,
        after: String,
    ) -> Change {
        Change {
            command: command.to_owned(),
            matter: matter.map(str::to_owned),
            reason: reason.map(str::to_owned),
            before,
            after,
            outcome: None,
            documents: Vec::new(),
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("{command} is not possible while {state}")]
    WrongState {
        command: &'static str,
        state: String,
    },
    #[error("the case has no item {0}")]
    UnknownItem(String),
    #[error("{0} needs a reason")]
    ReasonRequired(&'static str),
    #[error("{0}")]
    Invalid(String),
}

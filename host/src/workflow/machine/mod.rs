//! The state machine of a case and its items (第十四条至第十八条).
//!
//! `apply` checks a command against the current state, changes the case, and says what else
//! must happen: the audit event, SMS notices to the applicant, webhooks to departments. It is
//! pure — no clock, no store, no plugins: the service computes what needs them (the decision
//! deadline comes from the matter's rules) and passes it in, then commits the case and the
//! effects together.

mod commands;

pub use commands::{Change, Command, Ctx, Effect, Sms, WorkflowError};

use std::sync::Arc;

use serde::Serialize;

use super::model::{
    Card, CardExplanation, CardLevel, Case, CaseStatus, CorrectionNotice, Decision, Delivery, Item,
    ItemStatus, Outcome, Receipt, Suspension,
};
/// A one-line summary of the state, for audit records and errors.
pub fn state_of(case: &Case, matter: Option<&str>) -> String {
    let mut s = format!("case:{}", serde_plain(&case.status));
    if let Some(item) = matter.and_then(|m| case.item(m)) {
        s.push_str(&format!(" item:{}", serde_plain(&item.status)));
    }
    s
}

fn serde_plain<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn wrong(command: &Command, case: &Case) -> WorkflowError {
    WorkflowError::WrongState {
        command: command.name(),
        state: state_of(case, command.matter()),
    }
}

fn non_empty(reason: &str, what: &'static str) -> Result<(), WorkflowError> {
    if reason.trim().is_empty() {
        Err(WorkflowError::ReasonRequired(what))
    } else {
        Ok(())
    }
}

/// Applies `command` to `case`. On error the case is unchanged.
pub fn apply(
    case: &mut Case,
    command: &Command,
    ctx: &Ctx,
) -> Result<(Change, Vec<Effect>), WorkflowError> {
    let (next, change, effects) = advance(case, command, ctx)?;
    *case = next;
    Ok((change, effects))
}

/// The state `command` takes `case` to, leaving `case` as it is (it may be the committed state
/// other readers share).
pub fn advance(
    case: &Case,
    command: &Command,
    ctx: &Ctx,
) -> Result<(Case, Change, Vec<Effect>), WorkflowError> {
    let before = state_of(case, command.matter());
    if matches!(case.status, CaseStatus::Archived) {
        return Err(wrong(command, case));
    }
    let mut next = case.clone();
    let mut effects = Vec::new();
    step(&mut next, command, ctx, &mut effects).map_err(|e| match e {
        // Report the state as it was, not as the half-applied copy.
        WorkflowError::WrongState { command, .. } => WorkflowError::WrongState {
            command,
            state: before.clone(),
        },
        other => other,
    })?;
    if next.status == CaseStatus::InProgress && next.all_finished() {
        next.status = CaseStatus::Completed;
        next.completed_at = Some(ctx.at.clone());
        effects.push(Effect::Sms(Sms::ResultReady { matter: None }));
    }
    next.revision += 1;
    let mut change = Change::new(
        command.name(),
        command.matter(),
        command.reason(),
        before,
        state_of(&next, command.matter()),
    );
    if let Command::Decide {
        outcome, documents, ..
    } = command
    {
        change.outcome = Some(outcome.as_str().to_owned());
        change.documents = documents.clone();
    }
    Ok((next, change, effects))
}

fn step(
    case: &mut Case,
    command: &Command,
    ctx: &Ctx,
    effects: &mut Vec<Effect>,
) -> Result<(), WorkflowError> {
    use CaseStatus as C;
    match command {
        Command::IssueNotice { items } => {
            if !matches!(case.status, C::Submitted | C::Incomplete) {
                return Err(wrong(command, case));
            }
            if items.is_empty() {
                return Err(WorkflowError::Invalid("一次性告知书不能为空".into()));
            }
            case.notices.push(CorrectionNotice {
                issued_at: ctx.at.clone(),
                items: items.clone(),
            });
            case.status = C::Incomplete;
            case.intake_due = None;
            effects.push(Effect::Sms(Sms::CorrectionNotice { items: items.len() }));
        }
        Command::UpdateApplication { fields, materials } => {
            if !matches!(case.status, C::Submitted | C::Incomplete) {
                return Err(wrong(command, case));
            }
            case.fields = Arc::new(fields.clone());
            case.materials = materials.as_slice().into();
            // Online, a corrected application goes back to the window, which again has one
            // working day to answer (第十四条).
            if case.channel == lianban_sdk::Channel::Online && case.status == C::Incomplete {
                case.status = C::Submitted;
                case.intake_due =
                    Some(ctx.due(1, "第十四条：网上申报 1 个工作日内确认收件或一次性告知"));
            }
        }
        Command::Receive {
            receipt_number,
            promised_by,
        } => {
            if !matches!(case.status, C::Submitted | C::Incomplete) {
                return Err(wrong(command, case));
            }
            case.receipt = Some(Receipt {
                number: receipt_number.clone(),
                received_on: ctx.today,
                materials: case.materials.iter().map(|m| m.code.clone()).collect(),
                promised_by: *promised_by,
            });
            case.status = C::InProgress;
            case.intake_due = None;
            effects.push(Effect::Sms(Sms::Receipt {
                number: receipt_number.clone(),
                promised_by: *promised_by,
            }));
            distribute_ready(case, ctx, effects);
        }
        Command::ConfirmDistribution { matter } => {
            let item = in_progress_item(case, command)?;
            if item.status == ItemStatus::Waiting || item.is_finished() {
                return Err(wrong(command, case));
            }
            let item = item_mut(case, matter)?;
            if item.department_received_at.is_none() {
                item.department_received_at = Some(ctx.at.clone());
            }
        }
        Command::Accept {
            matter,
            decision_due,
        } => {
            if in_progress_item(case, command)?.status != ItemStatus::Distributed {
                return Err(wrong(command, case));
            }
            let item = item_mut(case, matter)?;
            item.status = ItemStatus::Accepted;
            item.accepted_on = Some(ctx.today);
            item.department_received_at
                .get_or_insert_with(|| ctx.at.clone());
            item.decision_due = Some(decision_due.clone());
            let (department, name) = (item.department.clone(), item.name.clone());
            effects.push(Effect::Sms(Sms::Accepted { matter: name }));
            effects.push(webhook(&department, matter, ItemStatus::Accepted));
        }
        Command::Reject { matter, reason } => {
            non_empty(reason, "不予受理")?;
            if in_progress_item(case, command)?.status != ItemStatus::Distributed {
                return Err(wrong(command, case));
            }
            let item = item_mut(case, matter)?;
            item.status = ItemStatus::Rejected;
            item.rejection_reason = Some(reason.clone());
            item.department_received_at
                .get_or_insert_with(|| ctx.at.clone());
            let (department, name) = (item.department.clone(), item.name.clone());
            effects.push(Effect::Sms(Sms::Rejected {
                matter: name,
                reason: reason.clone(),
            }));
            effects.push(webhook(&department, matter, ItemStatus::Rejected));
            cancel_blocked(case);
        }
        Command::Suspend {
            matter,
            kind,
            reason,
        } => {
            non_empty(reason, "特别程序")?;
            if in_progress_item(case, command)?.status != ItemStatus::Accepted {
                return Err(wrong(command, case));
            }
            let item = item_mut(case, matter)?;
            item.status = ItemStatus::Suspended;
            item.suspensions.push(Suspension {
                kind: *kind,
                reason: reason.clone(),
                from: ctx.today,
                until: None,
            });
            let department = item.department.clone();
            effects.push(webhook(&department, matter, ItemStatus::Suspended));
        }
        Command::Resume { matter } => {
            if in_progress_item(case, command)?.status != ItemStatus::Suspended {
                return Err(wrong(command, case));
            }
            let item = item_mut(case, matter)?;
            item.status = ItemStatus::Accepted;
            // The clock stood still on the working days after the suspension began, up to and
            // including today; the decision is due that many working days later.
            let mut stopped = 0;
            if let Some(s) = item.suspensions.last_mut() {
                s.until = Some(ctx.today);
                stopped = ctx
                    .calendar
                    .working_days_between(s.from, ctx.today)
                    .unwrap_or(0);
            }
            if let Some(due) = &mut item.decision_due {
                due.working_days += stopped;
                due.due = ctx
                    .calendar
                    .add_working_days(due.from, due.working_days)
                    .ok();
            }
            let department = item.department.clone();
            effects.push(webhook(&department, matter, ItemStatus::Accepted));
        }
        Command::Decide {
            matter,
            outcome,
            reason,
            documents,
        } => {
            if *outcome == Outcome::Deny {
                non_empty(reason.as_deref().unwrap_or(""), "不予许可决定")?;
            }
            if in_progress_item(case, command)?.status != ItemStatus::Accepted {
                return Err(wrong(command, case));
            }
            let item = item_mut(case, matter)?;
            item.status = ItemStatus::Decided;
            item.decision = Some(Decision {
                outcome: *outcome,
                reason: reason.clone(),
                documents: documents.clone(),
                decided_on: ctx.today,
            });
            item.return_due = Some(ctx.due(1, "第十七条：作出决定后 1 个工作日内将结果反馈至窗口"));
            let department = item.department.clone();
            effects.push(webhook(&department, matter, ItemStatus::Decided));
            match outcome {
                Outcome::Approve => distribute_ready(case, ctx, effects),
                Outcome::Deny => cancel_blocked(case),
            }
        }
        Command::ReturnResult { matter } => {
            let item = in_progress_item(case, command)?;
            if item.status != ItemStatus::Decided || item.returned_at.is_some() {
                return Err(wrong(command, case));
            }
            item_mut(case, matter)?.returned_at = Some(ctx.at.clone());
        }
        Command::ReceiveResult { matter } => {
            let item = item_in(case, command)?;
            let returned = item.status == ItemStatus::Decided && item.returned_at.is_some();
            if !returned || item.window_received_at.is_some() {
                return Err(wrong(command, case));
            }
            let item = item_mut(case, matter)?;
            item.window_received_at = Some(ctx.at.clone());
            let name = item.name.clone();
            if case.delivery == Delivery::Separately || case.delivery == Delivery::SelfPrint {
                effects.push(Effect::Sms(Sms::ResultReady { matter: Some(name) }));
            }
        }
        Command::Deliver { tracking_number } => {
            if case.status != C::Completed {
                return Err(wrong(command, case));
            }
            if let Delivery::Mail {
                tracking_number: t, ..
            } = &mut case.delivery
            {
                let number = tracking_number
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| WorkflowError::Invalid("邮寄送达需填写运单号".into()))?;
                *t = Some(number.to_owned());
                effects.push(Effect::Sms(Sms::Mailed {
                    tracking_number: number.to_owned(),
                }));
            }
            case.status = C::Delivered;
            case.delivered_at = Some(ctx.at.clone());
            effects.push(Effect::RatingInvitation);
        }
        Command::Archive => {
            if !matches!(case.status, C::Delivered | C::Withdrawn) {
                return Err(wrong(command, case));
            }
            case.status = C::Archived;
            case.archived_at = Some(ctx.at.clone());
        }
        Command::RaiseAlert { alert, card } => {
            if case.alerts.contains(alert) {
                return Err(wrong(command, case));
            }
            case.alerts.push(alert.clone());
            if let Some(department) = &card.department {
                effects.push(Effect::Card {
                    department: department.clone(),
                    matter: card.matter.clone(),
                    level: card.level,
                    text: card_text(case, card),
                });
            }
            case.cards.push(card.clone());
        }
        Command::ExplainCard { clock, text, by } => {
            non_empty(text, "红牌说明")?;
            let at = ctx.at.clone();
            let card = case
                .cards
                .iter_mut()
                .find(|c| &c.clock == clock && c.level == CardLevel::Red)
                .ok_or_else(|| WorkflowError::Invalid(format!("办件没有计时 {clock} 的红牌")))?;
            if card.explanation.is_some() {
                return Err(WorkflowError::Invalid("该红牌已有说明".into()));
            }
            card.explanation = Some(CardExplanation {
                text: text.trim().to_owned(),
                by: by.clone(),
                at,
            });
        }
        Command::SettleDeadlines => {
            if !super::clocks::settle_provisional(case, ctx.calendar) {
                return Err(WorkflowError::Invalid("没有待确定的期限".into()));
            }
        }
        Command::Withdraw { reason } => {
            non_empty(reason, "撤回申请")?;
            if !matches!(case.status, C::Submitted | C::Incomplete | C::InProgress)
                || case.any_decided()
            {
                return Err(wrong(command, case));
            }
            for item in case.items.iter_mut().filter(|i| !i.is_finished()) {
                let item = Arc::make_mut(item);
                item.status = ItemStatus::Withdrawn;
                if item.distributed_at.is_some() {
                    effects.push(webhook(
                        &item.department,
                        &item.matter,
                        ItemStatus::Withdrawn,
                    ));
                }
            }
            case.status = C::Withdrawn;
            case.withdrawn_at = Some(ctx.at.clone());
        }
    }
    Ok(())
}

fn webhook(department: &str, matter: &str, status: ItemStatus) -> Effect {
    Effect::Webhook {
        department: department.to_owned(),
        matter: matter.to_owned(),
        status,
    }
}

fn item_in<'a>(case: &'a Case, command: &Command) -> Result<&'a Item, WorkflowError> {
    let matter = command.matter().unwrap_or_default();
    case.item(matter)
        .ok_or_else(|| WorkflowError::UnknownItem(matter.to_owned()))
}

/// The command's item, in a case whose items are with the departments.
fn in_progress_item<'a>(case: &'a Case, command: &Command) -> Result<&'a Item, WorkflowError> {
    let item = item_in(case, command)?;
    if case.status != CaseStatus::InProgress {
        return Err(wrong(command, case));
    }
    Ok(item)
}

fn item_mut<'a>(case: &'a mut Case, matter: &str) -> Result<&'a mut Item, WorkflowError> {
    case.item_mut(matter)
        .ok_or_else(|| WorkflowError::UnknownItem(matter.to_owned()))
}

/// Sends every waiting item whose prerequisites are all approved to its department, at once
/// (第十四条: 即时传输), with one working day to accept (第十五条).
fn distribute_ready(case: &mut Case, ctx: &Ctx, effects: &mut Vec<Effect>) {
    let approved: Vec<String> = case
        .items
        .iter()
        .filter(|i| i.is_approved())
        .map(|i| i.matter.clone())
        .collect();
    for item in case.items.iter_mut() {
        let ready = item.status == ItemStatus::Waiting
            && item.prerequisites.iter().all(|p| approved.contains(p));
        if ready {
            let item = Arc::make_mut(item);
            item.status = ItemStatus::Distributed;
            item.distributed_at = Some(ctx.at.clone());
            item.accept_due = Some(ctx.due(
                1,
                "第十五条：收到办事要件后 1 个工作日内作出受理或不予受理决定",
            ));
            effects.push(webhook(
                &item.department,
                &item.matter,
                ItemStatus::Distributed,
            ));
        }
    }
}

/// Cancels waiting items whose prerequisites can no longer be approved, and theirs in turn.
fn cancel_blocked(case: &mut Case) {
    loop {
        let failed: Vec<(String, String)> = case
            .items
            .iter()
            .filter(|i| i.has_failed())
            .map(|i| (i.matter.clone(), i.name.clone()))
            .collect();
        let mut changed = false;
        for item in case
            .items
            .iter_mut()
            .filter(|i| i.status == ItemStatus::Waiting)
        {
            if let Some((_, name)) = failed.iter().find(|(m, _)| item.prerequisites.contains(m)) {
                let item = Arc::make_mut(item);
                item.status = ItemStatus::Cancelled;
                item.cancel_reason = Some(format!("前置事项“{name}”未获准予，本事项无法继续办理"));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// The duty phone's message for a card: what, on which case, by when.
fn card_text(case: &Case, card: &Card) -> String {
    let what = card
        .matter
        .as_deref()
        .and_then(|m| case.item(m))
        .map_or_else(|| case.one_thing_name.clone(), |i| i.name.clone());
    let due = card.due.map(|d| format!("期限{d}")).unwrap_or_default();
    match card.level {
        CardLevel::Yellow => format!(
            "【红旗区政务服务】黄牌预警：办件{}的“{what}”{due}，已用去承诺时限的大部分，请抓紧办理。",
            case.id
        ),
        CardLevel::Red => format!(
            "【红旗区政务服务】红牌：办件{}的“{what}”已超期（{due}），请尽快办结并提交书面说明。",
            case.id
        ),
    }
}

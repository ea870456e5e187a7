//! 收件 (第十四条): intake at the window, submission online, and the corrected application;
//! the pre-check that decides between receipt and the one-time notice.

use std::collections::BTreeMap;
use std::sync::Arc;

use lianban_sdk::{Channel, Date, validate};
use serde::Deserialize;

use super::{
    Actor, Committed, Remember, Result, ServiceError, WindowAction, Workflow, compact, merged,
};
use crate::catalog::OneThing;
use crate::precheck::{self, PrecheckReport};
use crate::workflow::machine::{Change, Command, Ctx, apply, state_of};
use crate::workflow::model::{Agent, Applicant, Case, CaseMaterial, Delivery};
use crate::workflow::{NewCase, new_case};

/// The body of an intake (window) or a submission (online).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    pub one_thing: String,
    pub channel: Channel,
    pub applicant: Applicant,
    /// Who applies for the applicant (代办), with the 委托书.
    #[serde(default)]
    pub agent: Option<Agent>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub materials: Vec<CaseMaterial>,
    pub delivery: Delivery,
}

/// A corrected application.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationUpdate {
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub materials: Vec<CaseMaterial>,
}

impl Workflow {
    fn validate_application(
        &self,
        fields: &BTreeMap<String, String>,
        materials: &[CaseMaterial],
    ) -> Result<()> {
        precheck::validate(&merged("", Channel::Window, fields, materials))?;
        for m in materials {
            for f in &m.files {
                if !self.files.exists(f) {
                    return Err(ServiceError::Invalid(format!(
                        "材料“{}”引用的文件 {f} 不存在，请先上传",
                        m.code
                    )));
                }
            }
        }
        Ok(())
    }

    /// An agent is a person in their own right, not the applicant, and brings the 委托书.
    fn validate_agent(&self, agent: &Agent, applicant: &Applicant, today: Date) -> Result<()> {
        validate_applicant(
            &Applicant {
                name: agent.name.clone(),
                id_number: agent.id_number.clone(),
                mobile: agent.mobile.clone(),
            },
            today,
        )
        .map_err(|e| ServiceError::Invalid(format!("代办人：{e}")))?;
        if agent.id_number == applicant.id_number {
            return Err(ServiceError::Invalid(
                "代办人与申请人是同一人，无需代办".into(),
            ));
        }
        if !self.files.exists(&agent.authorization) {
            return Err(ServiceError::Invalid(format!(
                "委托书文件 {} 不存在，请先上传",
                agent.authorization
            )));
        }
        Ok(())
    }

    /// 收件 (第十四条): a window intake is received or given the notice at once; an online
    /// submission waits for the window.
    pub fn intake(
        &self,
        actor: &Actor,
        request: IntakeRequest,
        remember: Option<&Remember<'_>>,
    ) -> Result<Committed> {
        let today = self.clock.today();
        let one_thing = self.one_thing(&request.one_thing)?;
        validate_applicant(&request.applicant, today)?;
        if let Some(agent) = &request.agent {
            self.validate_agent(agent, &request.applicant, today)?;
        }
        validate_delivery(&request.delivery)?;
        self.validate_application(&request.fields, &request.materials)?;
        let number = self.store.next_number()?;
        let calendar = self.calendar.current();
        let ctx = Ctx {
            at: self.clock.stamp(),
            today,
            calendar: &calendar,
        };
        let report = self.precheck(
            &one_thing,
            request.channel,
            &request.fields,
            &request.materials,
            today,
        );
        let mut case = new_case(
            &one_thing,
            NewCase {
                id: format!("YJS-{}-{number:06}", compact(today)),
                channel: request.channel,
                applicant: request.applicant,
                agent: request.agent,
                fields: request.fields,
                materials: request.materials,
                delivery: request.delivery,
                judged_by: report.judged_by.clone(),
            },
            &ctx,
        );
        let mut changes = vec![Change::new(
            "submit",
            None,
            None,
            String::new(),
            state_of(&case, None),
        )];
        let mut effects = Vec::new();
        if case.channel == Channel::Window {
            let command = self.intake_decision(&case, &one_thing, &report, number, &ctx)?;
            let (change, more) = apply(&mut case, &command, &ctx)?;
            changes.push(change);
            effects.extend(more);
        }
        self.commit(
            actor,
            Arc::new(case),
            None,
            None,
            &changes,
            &effects,
            remember,
        )
    }

    pub(super) fn precheck(
        &self,
        one_thing: &OneThing,
        channel: Channel,
        fields: &BTreeMap<String, String>,
        materials: &[CaseMaterial],
        today: Date,
    ) -> PrecheckReport {
        let request = merged(&one_thing.code, channel, fields, materials);
        precheck::run(
            &self.registry,
            &self.calendar,
            one_thing,
            &request,
            today,
            false,
        )
    }

    /// Receipt or notice, from a pre-check of the case's application.
    pub(super) fn intake_decision(
        &self,
        case: &Case,
        one_thing: &OneThing,
        report: &PrecheckReport,
        number: u64,
        ctx: &Ctx,
    ) -> Result<Command> {
        let unjudged: Vec<String> = report
            .matters
            .iter()
            .filter(|m| {
                m.status != precheck::MatterStatus::Checked
                    && m.status != precheck::MatterStatus::RuleError
            })
            .map(|m| m.matter.clone())
            .collect();
        if !unjudged.is_empty() {
            return Err(ServiceError::RulesUnavailable(unjudged));
        }
        let blocking: Vec<_> = report
            .notice
            .iter()
            .filter(|n| n.severity == lianban_sdk::Severity::Blocking)
            .cloned()
            .collect();
        if !blocking.is_empty() || !report.ready {
            // Everything to add or correct, at once (一次性告知); advice comes along.
            let mut items = report.notice.clone();
            if items.is_empty() {
                return Err(ServiceError::RulesUnavailable(
                    report
                        .matters
                        .iter()
                        .filter(|m| !m.rule_errors.is_empty())
                        .map(|m| m.matter.clone())
                        .collect(),
                ));
            }
            items.sort_by_key(|i| i.severity);
            return Ok(Command::IssueNotice { items });
        }
        Ok(Command::Receive {
            receipt_number: format!("HQSJ-{}-{number:06}", compact(ctx.today)),
            promised_by: self.promised_by(case, one_thing, ctx),
        })
    }

    /// The overall promised date (收件回执): along the longest chain of prerequisites, each
    /// matter takes one working day to accept plus its promised days, and the last result one
    /// more working day to reach the window.
    fn promised_by(&self, case: &Case, one_thing: &OneThing, ctx: &Ctx) -> Option<Date> {
        let promised: BTreeMap<&str, u32> = case
            .judged_by
            .iter()
            .filter_map(|j| {
                let v = self.registry.version(&j.matter, &j.sha256).ok()??;
                Some((
                    one_thing.matter(&j.matter)?.code.as_str(),
                    v.manifest.promised_days,
                ))
            })
            .collect();
        let mut finish: BTreeMap<&str, u32> = BTreeMap::new();
        for m in &one_thing.matters {
            let start = m
                .prerequisites
                .iter()
                .filter_map(|p| finish.get(p.as_str()))
                .max()
                .copied()
                .unwrap_or(0);
            finish.insert(&m.code, start + 1 + promised.get(m.code.as_str())?);
        }
        let total = finish.values().max().copied().unwrap_or(0) + 1;
        ctx.calendar.add_working_days(ctx.today, total).ok()
    }

    /// A corrected application. At the window the intake decision is taken again at once;
    /// online the case goes back to the window (第十四条).
    pub fn update_application(
        &self,
        actor: &Actor,
        id: &str,
        update: ApplicationUpdate,
        remember: Option<&Remember<'_>>,
    ) -> Result<Committed> {
        self.validate_application(&update.fields, &update.materials)?;
        // At the window the request is two commands; its answer is committed with the second.
        let at_window = self.case(id)?.channel == Channel::Window;
        let updated = self.execute(actor, id, remember.filter(|_| !at_window), |_, _| {
            Ok(Command::UpdateApplication {
                fields: update.fields.clone(),
                materials: update.materials.clone(),
            })
        })?;
        if at_window {
            return self.window(actor, id, WindowAction::Confirm, remember);
        }
        Ok(updated)
    }
}

fn validate_applicant(a: &Applicant, today: Date) -> Result<()> {
    if a.name.trim().is_empty() || a.name.chars().count() > 50 {
        return Err(ServiceError::Invalid("申请人姓名应为 1 至 50 个字".into()));
    }
    validate::parse_id_number(&a.id_number, today)
        .map_err(|e| ServiceError::Invalid(format!("申请人公民身份号码有误：{e}")))?;
    validate::parse_mobile(&a.mobile)
        .map_err(|e| ServiceError::Invalid(format!("申请人手机号码有误：{e}")))?;
    Ok(())
}

fn validate_delivery(d: &Delivery) -> Result<()> {
    if let Delivery::Mail {
        address,
        recipient,
        mobile,
        ..
    } = d
    {
        if address.trim().chars().count() < 5 || recipient.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "邮寄送达需填写完整的收件地址和收件人".into(),
            ));
        }
        validate::parse_mobile(mobile)
            .map_err(|e| ServiceError::Invalid(format!("收件人手机号码有误：{e}")))?;
    }
    Ok(())
}

//! The joint-handling workflow (第十条、第十二条至第十八条): a case for one application of a
//! one-thing, one item per matter, driven through intake, distribution, acceptance, decision,
//! result return, delivery and archive.

pub mod audit;
pub mod clocks;
pub mod machine;
pub mod model;
pub mod outbox;
pub mod personal;
pub mod print;
pub mod service;

use std::collections::BTreeMap;
use std::sync::Arc;

use lianban_sdk::Channel;

pub use machine::{Change, Command, Ctx, Effect, Sms, WorkflowError, advance, apply};
pub use model::*;
pub use service::{Committed, Remember};

use crate::catalog::OneThing;
use crate::precheck::JudgedBy;

/// What an application brings when it is first handed in.
pub struct NewCase {
    pub id: String,
    pub channel: Channel,
    pub applicant: Applicant,
    pub agent: Option<Agent>,
    pub fields: BTreeMap<String, String>,
    pub materials: Vec<CaseMaterial>,
    pub delivery: Delivery,
    pub judged_by: Vec<JudgedBy>,
}

/// A new case with one waiting item per matter of the one-thing, in catalog order. Online it
/// starts `Submitted` with the window's one working day running (第十四条); at the window it
/// starts `Submitted` too, and the intake that follows at once either receives it or issues
/// the notice.
pub fn new_case(one_thing: &OneThing, new: NewCase, ctx: &Ctx) -> Case {
    let intake_due = (new.channel == Channel::Online)
        .then(|| ctx.due(1, "第十四条：网上申报 1 个工作日内确认收件或一次性告知"));
    Case {
        id: new.id,
        one_thing: one_thing.code.clone(),
        one_thing_name: one_thing.name.clone(),
        one_thing_version: one_thing.version,
        channel: new.channel,
        status: CaseStatus::Submitted,
        applicant: new.applicant,
        agent: new.agent,
        fields: Arc::new(new.fields),
        materials: new.materials.into(),
        delivery: new.delivery,
        items: one_thing
            .matters
            .iter()
            .map(|m| {
                Arc::new(Item::new(
                    &m.code,
                    &m.name,
                    &m.department,
                    m.prerequisites.clone(),
                ))
            })
            .collect(),
        judged_by: new.judged_by.into(),
        notices: Vec::new(),
        receipt: None,
        intake_due,
        created_at: ctx.at.clone(),
        completed_at: None,
        delivered_at: None,
        archived_at: None,
        withdrawn_at: None,
        anonymised_at: None,
        alerts: Vec::new(),
        cards: Vec::new(),
        revision: 0,
    }
}

#[cfg(test)]
pub(crate) mod tests;

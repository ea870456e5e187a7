//! Management of the list of one-things: drafts by the lead department, filing with the bureau,
//! publication in batches (第六条、第九条、第二十一条). The rules of each step are in
//! `publication`; this module checks who may do it and writes the result.

use std::collections::BTreeMap;

use lianban_sdk::Date;
use serde::Deserialize;

use super::publication::{
    self, Batch, Decision, Draft, DraftState, Filing, PublishedVersion, Refusal,
};
use super::{ApplyAt, Catalog, MatterRef, OneThing, base};
use crate::keys::is_key;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("no one-thing {0}")]
    UnknownOneThing(String),
    #[error("no draft of {0}")]
    NoDraft(String),
    #[error("only the lead department {lead} may change {one_thing}")]
    NotLead { one_thing: String, lead: String },
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("invalid one-thing: {}", .0.join("; "))]
    Invalid(Vec<String>),
    #[error("batch {0} exists")]
    BatchExists(String),
    #[error("invalid batch: {}", .0.join("; "))]
    BatchInvalid(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, CatalogError>;

/// A matter as the lead department lists it: which base catalog entry, and which matters must
/// be decided first. Its name, department and level come from the base catalog.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatterInput {
    pub code: String,
    pub base: String,
    #[serde(default)]
    pub prerequisites: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// The revision this edit was made on: 0 for a new draft.
    pub revision: u64,
    pub name: String,
    pub lead_department: String,
    #[serde(default)]
    pub description: String,
    pub matters: Vec<MatterInput>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub apply: ApplyAt,
    #[serde(default)]
    pub fees: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    pub code: String,
    pub name: String,
    /// 实施日期: on and after it, new applications use the versions of this batch.
    pub effective_on: Date,
    pub one_things: Vec<String>,
}

impl Catalog {
    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.commands.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The lead department of a one-thing that has a draft or a published version.
    fn lead_of(&self, code: &str) -> Result<Option<(String, Option<u32>)>> {
        if let Some(d) = self.store.draft(code)? {
            return Ok(Some((d.one_thing.lead_department, d.based_on)));
        }
        Ok(self
            .store
            .versions(code)?
            .into_iter()
            .max_by_key(|v| v.version)
            .map(|v| (v.definition.lead_department, Some(v.version))))
    }

    fn check_lead(&self, code: &str, department: &str) -> Result<Option<u32>> {
        match self.lead_of(code)? {
            Some((lead, based_on)) if lead == department => Ok(based_on),
            Some((lead, _)) => Err(CatalogError::NotLead {
                one_thing: code.to_owned(),
                lead,
            }),
            None => Ok(None),
        }
    }

    pub fn drafts(&self) -> Result<Vec<Draft>> {
        Ok(self.store.drafts()?)
    }

    pub fn draft(&self, code: &str) -> Result<Draft> {
        self.store
            .draft(code)?
            .ok_or_else(|| CatalogError::NoDraft(code.to_owned()))
    }

    pub fn filings(&self, code: &str) -> Result<Vec<Filing>> {
        Ok(self.store.filings(code)?)
    }

    /// Creates or edits the draft of `code`. Only the lead department (`department`) may;
    /// a new one-thing's lead is the department that creates it.
    pub fn save_draft(
        &self,
        department: &str,
        code: &str,
        input: DraftInput,
        by: &str,
        at: &str,
    ) -> Result<Draft> {
        let _guard = self.lock();
        let based_on = self.check_lead(code, department)?;
        if input.lead_department != department {
            // Handing the lead to another department is the bureau's decision, not an edit.
            return Err(CatalogError::NotLead {
                one_thing: code.to_owned(),
                lead: department.to_owned(),
            });
        }
        let current = self.store.draft(code)?;
        let revision =
            publication::edit(current.as_ref(), input.revision).map_err(CatalogError::Refused)?;
        let one_thing = self.build(code, input)?;
        let draft = Draft {
            one_thing,
            revision,
            state: DraftState::Editing,
            based_on: current.as_ref().map_or(based_on, |d| d.based_on),
            updated_by: by.to_owned(),
            updated_at: at.to_owned(),
            returned_because: current.and_then(|d| d.returned_because),
        };
        self.store.put_draft(&draft)?;
        Ok(draft)
    }

    /// The definition a draft input describes, or everything wrong with it.
    fn build(&self, code: &str, input: DraftInput) -> Result<OneThing> {
        let mut problems = Vec::new();
        if !is_key(code) {
            problems.push(format!(
                "一件事编码“{code}”不合规：应为小写字母、数字和连字符"
            ));
        }
        if input.name.trim().is_empty() {
            problems.push("一件事名称不能为空".into());
        }
        if input.matters.is_empty() {
            problems.push("至少应包含一个联办事项".into());
        }
        let base = self.base()?;
        let departments = self.departments()?;
        if !departments.contains_key(&input.lead_department) {
            problems.push(format!("牵头部门 {} 不存在", input.lead_department));
        }
        // A matter code means one base entry everywhere.
        let elsewhere: BTreeMap<String, String> = self
            .latest_published()?
            .into_iter()
            .chain(self.store.drafts()?.into_iter().map(|d| d.one_thing))
            .filter(|o| o.code != code)
            .flat_map(|o| o.matters)
            .map(|m| (m.code, m.base))
            .collect();
        let mut matters = Vec::new();
        for m in input.matters {
            if !is_key(&m.code) {
                problems.push(format!("事项编码“{}”不合规", m.code));
            }
            if let Some(other) = elsewhere.get(&m.code).filter(|b| **b != m.base) {
                problems.push(format!(
                    "事项 {} 在其他一件事中对应基本目录 {other}，不能改为 {}",
                    m.code, m.base
                ));
            }
            let Some(entry) = base.get(&m.base) else {
                problems.push(format!(
                    "事项 {} 引用的基本目录编码“{}”不存在",
                    m.code, m.base
                ));
                continue;
            };
            matters.push(MatterRef {
                code: m.code,
                base: m.base,
                name: entry.name.clone(),
                department: entry.department.clone(),
                level: entry.level,
                prerequisites: m.prerequisites,
            });
        }
        if !problems.is_empty() {
            return Err(CatalogError::Invalid(problems));
        }
        let one_thing = OneThing {
            code: code.to_owned(),
            name: input.name.trim().to_owned(),
            lead_department: input.lead_department,
            description: input.description,
            matters,
            conditions: input.conditions,
            apply: input.apply,
            fees: input.fees,
            version: 0,
        };
        let one_thing = one_thing
            .normalized()
            .map_err(|e| CatalogError::Invalid(vec![e]))?;
        let problems = base::check(&one_thing, &base);
        if problems.is_empty() {
            Ok(one_thing)
        } else {
            Err(CatalogError::Invalid(problems))
        }
    }

    /// Files the draft with the bureau (备案).
    pub fn file(
        &self,
        department: &str,
        code: &str,
        revision: u64,
        by: &str,
        at: &str,
    ) -> Result<Filing> {
        let _guard = self.lock();
        self.check_lead(code, department)?;
        let mut draft = self.draft(code)?;
        publication::file(&draft, revision).map_err(CatalogError::Refused)?;
        // A definition valid when saved may have lost its base entries since (an import).
        let problems = base::check(&draft.one_thing, &self.base()?);
        if !problems.is_empty() {
            return Err(CatalogError::Invalid(problems));
        }
        let seq = self.store.filings(code)?.last().map_or(1, |f| f.seq + 1);
        let filing = Filing {
            one_thing: code.to_owned(),
            seq,
            revision,
            filed_by: by.to_owned(),
            filed_at: at.to_owned(),
            definition: draft.one_thing.clone(),
            decision: None,
        };
        draft.state = DraftState::Filed;
        draft.returned_because = None;
        self.store.put_draft_and_filing(&draft, &filing)?;
        Ok(filing)
    }

    /// The bureau's answer to the pending filing: approve, or return with a reason.
    pub fn decide(
        &self,
        code: &str,
        approve: bool,
        reason: Option<String>,
        by: &str,
        at: &str,
    ) -> Result<Filing> {
        let _guard = self.lock();
        let mut draft = self.draft(code)?;
        publication::decide(&draft, approve, reason.as_deref()).map_err(CatalogError::Refused)?;
        let mut filing = self
            .store
            .filings(code)?
            .pop()
            .filter(|f| f.decision.is_none())
            .ok_or(CatalogError::Refused(Refusal::WrongState(draft.state)))?;
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        filing.decision = Some(Decision {
            approved: approve,
            by: by.to_owned(),
            at: at.to_owned(),
            reason: reason.clone(),
        });
        if approve {
            draft.state = DraftState::Approved;
        } else {
            draft.state = DraftState::Returned;
            draft.returned_because = reason;
        }
        self.store.put_draft_and_filing(&draft, &filing)?;
        Ok(filing)
    }

    /// Publishes approved drafts as a named batch, effective on its implementation date.
    pub fn publish_batch(&self, input: BatchInput, by: &str, at: &str) -> Result<Batch> {
        let _guard = self.lock();
        let today = self.clock.today();
        let mut problems = Vec::new();
        if input.code.trim().is_empty() || input.name.trim().is_empty() {
            problems.push("批次编号和名称不能为空".into());
        }
        if input.one_things.is_empty() {
            problems.push("批次中至少应有一个一件事".into());
        }
        if input.effective_on < today {
            problems.push(format!(
                "实施日期 {} 早于发布日期 {today}",
                input.effective_on
            ));
        }
        if self.store.batches()?.iter().any(|b| b.code == input.code) {
            return Err(CatalogError::BatchExists(input.code));
        }
        let mut versions = Vec::new();
        for code in &input.one_things {
            let Some(draft) = self.store.draft(code)? else {
                problems.push(format!("一件事 {code} 没有待发布的草案"));
                continue;
            };
            if draft.state != DraftState::Approved {
                problems.push(format!("一件事 {code} 尚未通过备案"));
                continue;
            }
            let version = self
                .store
                .versions(code)?
                .iter()
                .map(|v| v.version)
                .max()
                .unwrap_or(0)
                + 1;
            let filing = self
                .store
                .filings(code)?
                .iter()
                .rev()
                .find(|f| f.decision.as_ref().is_some_and(|d| d.approved))
                .map(|f| f.seq);
            let mut definition = draft.one_thing;
            definition.version = version;
            versions.push(PublishedVersion {
                one_thing: code.clone(),
                version,
                definition,
                batch: input.code.clone(),
                published_on: today,
                effective_on: input.effective_on,
                filing,
            });
        }
        if !problems.is_empty() {
            return Err(CatalogError::BatchInvalid(problems));
        }
        let batch = Batch::publishing(
            input.code,
            input.name,
            (today, input.effective_on),
            (by, at),
            &versions,
        );
        self.store.publish(&batch, &versions)?;
        Ok(batch)
    }
}

//! A department's commands on its own items (第十五条至第十七条) and the decision clock its
//! rules set at acceptance.

use std::sync::Arc;

use serde::Deserialize;

use super::{Actor, Committed, Remember, Result, ServiceError, Workflow, merged};
use crate::workflow::machine::{Command, Ctx, WorkflowError, state_of};
use crate::workflow::model::{Case, Due, ItemStatus, Outcome, ResultDocument, SuspensionKind};

/// What a department does with one of its items.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum DepartmentAction {
    ConfirmReceipt,
    Accept,
    Reject {
        reason: String,
    },
    Suspend {
        kind: SuspensionKind,
        reason: String,
    },
    Resume,
    Decide {
        outcome: Outcome,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        documents: Vec<ResultDocument>,
    },
    ReturnResult,
}

impl Workflow {
    /// A department's command on its own item.
    pub fn department(
        &self,
        actor: &Actor,
        department: &str,
        id: &str,
        matter: &str,
        action: DepartmentAction,
        remember: Option<&Remember<'_>>,
    ) -> Result<Committed> {
        let matter = matter.to_owned();
        self.execute(actor, id, remember, |case, ctx| {
            // Checked on the state the command applies to, read once.
            let item = case
                .item(&matter)
                .ok_or_else(|| WorkflowError::UnknownItem(matter.clone()))?;
            if item.department != department {
                return Err(ServiceError::Forbidden(format!(
                    "事项“{}”由部门 {} 办理",
                    item.name, item.department
                )));
            }
            if item.status == ItemStatus::Waiting {
                return Err(WorkflowError::WrongState {
                    command: "department",
                    state: state_of(case, Some(&matter)),
                }
                .into());
            }
            Ok(match &action {
                DepartmentAction::ConfirmReceipt => Command::ConfirmDistribution {
                    matter: matter.clone(),
                },
                DepartmentAction::Accept => Command::Accept {
                    matter: matter.clone(),
                    decision_due: self.decision_due(case, &matter, ctx),
                },
                DepartmentAction::Reject { reason } => Command::Reject {
                    matter: matter.clone(),
                    reason: reason.clone(),
                },
                DepartmentAction::Suspend { kind, reason } => Command::Suspend {
                    matter: matter.clone(),
                    kind: *kind,
                    reason: reason.clone(),
                },
                DepartmentAction::Resume => Command::Resume {
                    matter: matter.clone(),
                },
                DepartmentAction::Decide {
                    outcome,
                    reason,
                    documents,
                } => {
                    for d in documents {
                        if let Some(f) = &d.file
                            && !self.files.exists(f)
                        {
                            return Err(ServiceError::Invalid(format!(
                                "结果文件 {f} 不存在，请先上传"
                            )));
                        }
                    }
                    Command::Decide {
                        matter: matter.clone(),
                        outcome: *outcome,
                        reason: reason.clone(),
                        documents: documents.clone(),
                    }
                }
                DepartmentAction::ReturnResult => Command::ReturnResult {
                    matter: matter.clone(),
                },
            })
        })
    }

    /// The decision clock from the rules that judged the case (第十六条), asked with the real
    /// acceptance day. If the rules cannot answer, the promised days of their manifest count.
    fn decision_due(&self, case: &Case, matter: &str, ctx: &Ctx) -> Due {
        let judged = case.judged_by.iter().find(|j| j.matter == matter);
        let version = judged.and_then(|j| self.registry.version(matter, &j.sha256).ok().flatten());
        let fallback = |basis: &str| {
            let days = version.as_ref().map_or(0, |v| v.manifest.promised_days);
            ctx.due(days, basis)
        };
        let (Some(judged), Some(version)) = (judged, version.as_ref()) else {
            return fallback("未找到受理时的规则版本，按承诺时限计算");
        };
        let Ok(plugin) = self.registry.version_plugin(matter, &judged.sha256) else {
            return fallback("规则组件无法加载，按承诺时限计算");
        };
        let app = merged(&case.one_thing, case.channel, &case.fields, &case.materials)
            .for_matter(matter, ctx.today);
        let imports = self
            .registry
            .imports(version, Arc::new(ctx.calendar.clone()));
        match self
            .registry
            .runtime()
            .deadline(&plugin, &app, ctx.today, &imports)
        {
            Ok(Ok(d)) => Due {
                from: ctx.today,
                working_days: d.working_days,
                due: Some(d.due),
                basis: d.basis,
            },
            // The calendar lacks a year: provisional, settled when the year is loaded.
            Ok(Err(_)) => Due {
                from: ctx.today,
                working_days: version.manifest.promised_days,
                due: None,
                basis: format!(
                    "承诺时限 {} 个工作日（节假日安排待公布）",
                    version.manifest.promised_days
                ),
            },
            Err(failure) => {
                tracing::warn!(%failure, "deadline rule failed at acceptance");
                fallback("规则组件出错，按承诺时限计算")
            }
        }
    }
}

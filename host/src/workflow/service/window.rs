//! The window's commands: confirming online submissions, receiving results, delivery,
//! archive and withdrawal.

use serde::Deserialize;

use super::{Actor, Committed, Remember, Result, Workflow};
use crate::workflow::machine::{Command, WorkflowError, state_of};
use crate::workflow::model::CaseStatus;

/// What the window does with a case.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum WindowAction {
    /// Online submissions: run the pre-check and either receive or send the notice.
    Confirm,
    ReceiveResult {
        matter: String,
    },
    Deliver {
        #[serde(default)]
        tracking_number: Option<String>,
    },
    Archive,
    Withdraw {
        reason: String,
    },
}
impl Workflow {
    /// The window's commands.
    pub fn window(
        &self,
        actor: &Actor,
        id: &str,
        action: WindowAction,
        remember: Option<&Remember<'_>>,
    ) -> Result<Committed> {
        self.execute(actor, id, remember, |case, ctx| {
            Ok(match &action {
                WindowAction::Confirm => {
                    if !matches!(case.status, CaseStatus::Submitted | CaseStatus::Incomplete) {
                        return Err(WorkflowError::WrongState {
                            command: "confirm",
                            state: state_of(case, None),
                        }
                        .into());
                    }
                    let one_thing = self.one_thing_of(case)?;
                    let report = self.precheck(
                        &one_thing,
                        case.channel,
                        &case.fields,
                        &case.materials,
                        ctx.today,
                    );
                    let number = self.store.next_number()?;
                    self.intake_decision(case, &one_thing, &report, number, ctx)?
                }
                WindowAction::ReceiveResult { matter } => Command::ReceiveResult {
                    matter: matter.clone(),
                },
                WindowAction::Deliver { tracking_number } => Command::Deliver {
                    tracking_number: tracking_number.clone(),
                },
                WindowAction::Archive => Command::Archive,
                WindowAction::Withdraw { reason } => Command::Withdraw {
                    reason: reason.clone(),
                },
            })
        })
    }
}

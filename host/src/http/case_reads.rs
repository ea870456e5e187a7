//! Reading a case: who may, what they see, and the record of it (查询留痕). Identity numbers
//! and mobiles are masked unless the reader's work needs them in full and asks (`?full=true`);
//! every read goes on the case's chain of reads, which the bureau and the applicant can see.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::blocking;
use super::cases::{CaseView, actor, owned, view};
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Path, Query};
use crate::app::AppState;
use crate::auth::{Principal, Role};
use crate::workflow::audit::Event;
use crate::workflow::service::FullRead;
use crate::workflow::{Case, CaseStatus, personal};

/// May `principal` read this case? A department reads a case once one of its items was sent
/// to it (第十四条) — whatever became of the item since; an item that ended before it was ever
/// sent (withdrawn, cancelled) opens nothing.
fn may_read(principal: &Principal, case: &Case) -> Result<(), ApiError> {
    match &principal.role {
        Role::Admin | Role::Clerk => Ok(()),
        Role::OnlineService | Role::Citizen => owned(principal, case),
        Role::Department(d) => {
            let involved = case
                .items
                .iter()
                .any(|i| &i.department == d && i.distributed_at.is_some());
            if involved {
                Ok(())
            } else {
                Err(ApiError::forbidden(
                    "本部门在该办件中没有待办事项",
                    "your department has no item in this case",
                ))
            }
        }
    }
}

/// The work for which `principal` needs this case's full numbers now, if any (最小必要): the
/// window while it takes in or corrects the application (第十四条) and when it hands over the
/// results (第十七条), a department while one of its items is in its hands (第十五、十六条).
/// The bureau supervises from masked data and the access record; applicants see their own
/// numbers masked, as every receipt shows them.
pub(super) fn full_read_for(principal: &Principal, case: &Case) -> Option<FullRead> {
    match &principal.role {
        Role::Clerk => match case.status {
            CaseStatus::Submitted | CaseStatus::Incomplete => Some(FullRead {
                purpose: "intake",
                matter: None,
            }),
            CaseStatus::Completed => Some(FullRead {
                purpose: "delivery",
                matter: None,
            }),
            _ => None,
        },
        Role::Department(d) => case
            .items
            .iter()
            .find(|i| &i.department == d && i.distributed_at.is_some() && !i.is_finished())
            .map(|i| FullRead {
                purpose: "review",
                matter: Some(i.matter.clone()),
            }),
        // The person themselves (or their agent), correcting what they handed in after a
        // one-time notice: they must see what they wrote to put it right (个人信息保护法
        // 第四十五条、第四十六条). Whether the case is theirs is checked before this.
        Role::OnlineService | Role::Citizen => {
            (case.status == CaseStatus::Incomplete).then_some(FullRead {
                purpose: "correction",
                matter: None,
            })
        }
        Role::Admin => None,
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ShowQuery {
    /// Full identity numbers and mobiles, for a reader whose work needs them now; recorded
    /// with that work. Otherwise they are masked (`410702********0027`, `138****5678`).
    #[serde(default)]
    full: bool,
}

/// GET /api/v1/cases/{id}
#[utoipa::path(get, path = "/cases/{id}", tag = "cases",
    summary = "A case with its running clocks, identity numbers and mobiles masked unless `full` is asked by a reader whose work needs them; every read is recorded",
    params(("id" = String, Path, description = "the case number"), ShowQuery),
    responses(
        (status = 200, description = "the case", body = CaseView),
        (status = 403, description = "`forbidden`: no item of this case was sent to the department; `full_read_not_needed`: the caller's work does not need the full values now", body = ErrorBody),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
    ))]
pub async fn show(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Json<CaseView>, ApiError> {
    let principal = caller.0.clone();
    blocking(move || {
        let case = app.workflow.case(&id)?;
        may_read(&principal, &case)?;
        let full = match q.full {
            false => None,
            true => Some(full_read_for(&principal, &case).ok_or_else(|| {
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "full_read_not_needed",
                    "您当前的工作不需要查看完整的身份证号和手机号",
                    "your work on this case does not need the full identity numbers and mobiles now",
                )
            })?),
        };
        // Recorded before anything is shown: a read that cannot be recorded is not given.
        app.workflow
            .record_read(&actor(&principal), &case, full.as_ref())?;
        let shown = match full {
            Some(_) => case,
            None => Arc::new(personal::masked(&case)),
        };
        Ok(view(&app, shown))
    })
    .await
    .map(Json)
}

/// One of the applicant's cases in their list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OwnCase {
    id: String,
    one_thing: String,
    one_thing_name: String,
    status: CaseStatus,
    created_at: String,
    /// Whether the signed-in person applied as the agent (代办) rather than for themselves.
    as_agent: bool,
}

/// GET /api/v1/cases/mine — an applicant's own cases (as applicant or agent), newest first,
/// found by the blind index of their identity number.
#[utoipa::path(get, path = "/cases/mine", tag = "cases",
    summary = "The signed-in person's own cases, as applicant or agent, newest first",
    responses(
        (status = 200, description = "the cases", body = Vec<OwnCase>),
        (status = 403, description = "`on_behalf_required`", body = ErrorBody),
    ))]
pub async fn mine(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<OwnCase>>, ApiError> {
    let principal = caller.0.clone();
    blocking(move || {
        let person = super::cases::person(&principal)?.to_owned();
        let mut own = Vec::new();
        for id in app
            .workflow
            .store()
            .cases_of_person(&person)?
            .into_iter()
            .rev()
        {
            let case = app.workflow.case(&id)?;
            if case.anonymised_at.is_some() {
                continue;
            }
            own.push(OwnCase {
                as_agent: case.applicant.id_number != person,
                id: case.id.clone(),
                one_thing: case.one_thing.clone(),
                one_thing_name: case.one_thing_name.clone(),
                status: case.status,
                created_at: case.created_at.clone(),
            });
        }
        Ok(own)
    })
    .await
    .map(Json)
}

/// One read of a case's personal data.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadEntry {
    pub at: String,
    /// Who read it: the person or system, for the bureau; absent for the applicant, who sees
    /// the role and department that looked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    /// `clerk`, `department:<code>`, `admin`, `online-service`, `citizen`.
    pub role: String,
    /// Whether the full identity numbers and mobiles were shown.
    pub full: bool,
    /// For a full read, the work that needed it: `intake`, `delivery`, `review`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matter: Option<String>,
}

/// The chain of reads as a reader of the record sees it: the bureau with the readers' names.
pub(super) fn read_entries(reads: Vec<Event>, bureau: bool) -> Vec<ReadEntry> {
    reads
        .into_iter()
        .map(|e| ReadEntry {
            full: e.change.command == "read_full_personal_data",
            reader: bureau.then_some(e.actor),
            role: e.role,
            purpose: e.change.reason,
            matter: e.change.matter,
            at: e.at,
        })
        .collect()
}

/// GET /api/v1/cases/{id}/reads — “who has seen my case”: the applicant (their own cases) and
/// the bureau.
#[utoipa::path(get, path = "/cases/{id}/reads", tag = "cases",
    summary = "Who has read the case's personal data, when, and for which work (查询留痕); the applicant for their own case, the bureau for any",
    params(("id" = String, Path, description = "the case number")),
    responses(
        (status = 200, description = "the reads, oldest first", body = Vec<ReadEntry>),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
    ))]
pub async fn reads(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ReadEntry>>, ApiError> {
    let principal = caller.0.clone();
    blocking(move || {
        let case = app.workflow.case(&id)?;
        owned(&principal, &case)?;
        let bureau = principal.role == Role::Admin;
        Ok(read_entries(app.workflow.audit(&id)?.reads, bureau))
    })
    .await
    .map(Json)
}

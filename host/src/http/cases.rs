//! `/cases`: intake at the window and online, the window's and the departments' commands, the
//! audit trail, the correction notice, and the archive record and results of a case.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path};
use super::idempotency::{self, AnswerCommitted, FirstRequest, Idempotent};
use super::{blocking, with_slot};
use crate::app::AppState;
use crate::auth::{Need, Principal, Role};
use crate::store::Remembered;
use crate::workflow::audit::{Broken, Event};
use crate::workflow::clocks::{RunningClock, running};
use crate::workflow::service::ServiceError;
use crate::workflow::service::{
    Actor, ApplicationUpdate, DepartmentAction, IntakeRequest, WindowAction,
};
use crate::workflow::{Case, Committed, ItemStatus, Remember};

pub(super) fn actor(p: &Principal) -> Actor {
    // The online service acts for a person: the trail names both.
    let name = match (&p.role, &p.person) {
        (Role::OnlineService, Some(person)) => format!("{}（代 {person}）", p.name),
        _ => p.name.clone(),
    };
    Actor {
        name,
        role: p.role.to_string(),
    }
}

/// The person an applicant caller acts for; the online service must name one.
pub(super) fn person(principal: &Principal) -> Result<&str, ApiError> {
    principal.person.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "on_behalf_required",
            "网上办事服务须在 X-On-Behalf-Of 中写明为哪位已登录的群众办理",
            "the online service must name the signed-in person it acts for in X-On-Behalf-Of",
        )
    })
}

/// An applicant caller (a citizen, or the online service for the person it names) touches
/// only that person's cases, as applicant or as their agent (代办). Anyone else's case answers
/// as if it did not exist: case numbers are sequential, and a 403 would confirm one.
pub(super) fn owned(principal: &Principal, case: &Case) -> Result<(), ApiError> {
    if !principal.role.is_applicant() {
        return Ok(());
    }
    let person = person(principal)?;
    let theirs = case.applicant.id_number == person
        || case.agent.as_ref().is_some_and(|a| a.id_number == person);
    if theirs {
        Ok(())
    } else {
        Err(ServiceError::NotFound(case.id.clone()).into())
    }
}

/// Results are the applicant's to download only when they chose self-print (第十七条).
pub(super) fn self_print(case: &Case) -> Result<(), ApiError> {
    if case.delivery == crate::workflow::Delivery::SelfPrint {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_self_print",
            "申请人未选择自行打印结果",
            "the applicant did not choose self-print",
        ))
    }
}

/// A case with its running clocks.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// The committed state as the store holds it, shared rather than copied.
    #[serde(flatten)]
    case: Arc<Case>,
    clocks: Vec<RunningClock>,
}

pub(super) fn view(app: &AppState, case: Arc<Case>) -> CaseView {
    let clocks = running(
        &case,
        app.clock.today(),
        &app.calendar.current(),
        app.workflow.yellow_share(),
    );
    CaseView { case, clocks }
}

/// Runs a workflow command and answers with the case as committed. For the first request of an
/// `Idempotency-Key`, the answer is built before the commit and committed with the command, so
/// that a retry after a crash gets this answer instead of running the command again.
pub(super) fn command(
    app: &AppState,
    first: Option<FirstRequest>,
    status: StatusCode,
    run: impl FnOnce(Option<&Remember<'_>>) -> Result<Committed, ServiceError>,
) -> Result<Response, ApiError> {
    let Some(first) = first else {
        let committed = run(None)?;
        let body = view_body(app, &committed);
        return Ok((status, [(CONTENT_TYPE, "application/json")], body).into_response());
    };
    let answer = |committed: &Committed| Remembered {
        request: first.request.clone(),
        status: status.as_u16(),
        content_type: Some("application/json".to_owned()),
        body: view_body(app, committed),
        at: first.at,
    };
    let committed = run(Some(&Remember {
        scope: &first.scope,
        answer: &answer,
    }))?;
    let stored = committed
        .answer
        .ok_or_else(|| ApiError::internal("the committed answer is missing"))?;
    let mut reply = idempotency::answer(stored);
    reply.extensions_mut().insert(AnswerCommitted);
    Ok(reply)
}

/// The document [`CaseView`] gives, built from the JSON the case was just stored as instead of
/// encoding the case a second time.
fn view_body(app: &AppState, committed: &Committed) -> Vec<u8> {
    let clocks = running(
        &committed.case,
        app.clock.today(),
        &app.calendar.current(),
        app.workflow.yellow_share(),
    );
    with_clocks(&committed.json, &clocks).unwrap_or_else(|| {
        serde_json::to_vec(&view(app, committed.case.clone())).unwrap_or_default()
    })
}

/// A case's JSON object with `clocks` added as its last member, which is what serde writes for
/// [`CaseView`]. `None` if `case` is not a non-empty JSON object, which a case always is; the
/// caller then encodes anew rather than answer with broken JSON.
fn with_clocks(case: &[u8], clocks: &[RunningClock]) -> Option<Vec<u8>> {
    let (b'}', members) = case.split_last()? else {
        return None;
    };
    if members.len() < 2 {
        return None;
    }
    let clocks = serde_json::to_vec(clocks).ok()?;
    let mut body = Vec::with_capacity(case.len() + clocks.len() + 11);
    body.extend_from_slice(members);
    body.extend_from_slice(b",\"clocks\":");
    body.extend_from_slice(&clocks);
    body.push(b'}');
    Some(body)
}

/// POST /api/v1/cases — the window (channel `window`) or the online service (`online`).
#[utoipa::path(post, path = "/cases", tag = "cases",
    summary = "Take in an application: at the window (channel `window`) or online (`online`, the online service's token)",
    request_body(content = IntakeRequest, example = super::examples::intake),
    responses(
        (status = 201, description = "the case as committed, with its running clocks", body = CaseView),
        (status = 403, description = "`forbidden`: the channel does not match the caller", body = ErrorBody),
        (status = 409, description = "`wrong_state` (`details.command`, `details.state`), `contended`: retry, `rules_unavailable`: matters without rules in service (`details.matters`)", body = ErrorBody),
        (status = 422, description = "`invalid_command`, `reason_required`, `invalid_application`, `unknown_one_thing`", body = ErrorBody),
        (status = 503, description = "`shutting_down`", body = ErrorBody),
    ))]
pub async fn create(
    State(app): State<AppState>,
    caller: Caller,
    Idempotent(first): Idempotent,
    JsonBody(request): JsonBody<IntakeRequest>,
) -> Result<Response, ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?.clone();
    let online = request.channel == lianban_sdk::Channel::Online;
    if online != principal.role.is_applicant() {
        return Err(ApiError::forbidden(
            "窗口收件使用 window 渠道，网上申报使用 online 渠道",
            "window intake uses channel window; online submissions use channel online",
        ));
    }
    if online {
        // Online, the signed-in person applies for themselves, or as the agent named.
        let person = person(&principal)?;
        let theirs = match &request.agent {
            Some(agent) => agent.id_number == person,
            None => request.applicant.id_number == person,
        };
        if !theirs {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_your_application",
                "只能为本人申请，或以本人为代办人并附委托书为他人申请",
                "apply for yourself, or for someone else as their agent with the power of attorney",
            ));
        }
    }
    with_slot(app, move |app| {
        command(app, first, StatusCode::CREATED, |remember| {
            app.workflow.intake(&actor(&principal), request, remember)
        })
    })
    .await
}

/// PUT /api/v1/cases/{id}/application — the window or the online service: the corrected form
/// and materials after a correction notice.
#[utoipa::path(put, path = "/cases/{id}/application", tag = "cases",
    summary = "The corrected form and materials after a correction notice",
    params(("id" = String, Path, description = "the case number")),
    request_body = ApplicationUpdate,
    responses(
        (status = 200, description = "the case as committed", body = CaseView),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
        (status = 409, description = "`wrong_state` (`details.command`, `details.state`), `contended`: retry, `rules_unavailable`: matters without rules in service (`details.matters`)", body = ErrorBody),
        (status = 422, description = "`invalid_command`, `reason_required`, `invalid_application`", body = ErrorBody),
        (status = 503, description = "`shutting_down`", body = ErrorBody),
    ))]
pub async fn update_application(
    State(app): State<AppState>,
    caller: Caller,
    Idempotent(first): Idempotent,
    Path(id): Path<String>,
    JsonBody(update): JsonBody<ApplicationUpdate>,
) -> Result<Response, ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?.clone();
    with_slot(app, move |app| {
        owned(&principal, app.workflow.case(&id)?.as_ref())?;
        command(app, first, StatusCode::OK, |remember| {
            app.workflow
                .update_application(&actor(&principal), &id, update, remember)
        })
    })
    .await
}

/// POST /api/v1/cases/{id}/window — the window: confirm an online submission, receive a
/// result, deliver, archive, or withdraw on the applicant's request. The online service may
/// withdraw too.
#[utoipa::path(post, path = "/cases/{id}/window", tag = "cases",
    summary = "A window command: confirm an online submission, receive a result, deliver, archive, withdraw (the online service: withdraw only)",
    params(("id" = String, Path, description = "the case number")),
    request_body = WindowAction,
    responses(
        (status = 200, description = "the case as committed", body = CaseView),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`unknown_case`, `unknown_item`", body = ErrorBody),
        (status = 409, description = "`wrong_state` (`details.command`, `details.state`), `contended`: retry, `rules_unavailable`: matters without rules in service (`details.matters`)", body = ErrorBody),
        (status = 422, description = "`invalid_command`, `reason_required`, `invalid_application`", body = ErrorBody),
        (status = 503, description = "`shutting_down`", body = ErrorBody),
    ))]
pub async fn window(
    State(app): State<AppState>,
    caller: Caller,
    Idempotent(first): Idempotent,
    Path(id): Path<String>,
    JsonBody(action): JsonBody<WindowAction>,
) -> Result<Response, ApiError> {
    let principal = caller.0.clone();
    let allowed = match principal.role {
        Role::Clerk | Role::Admin => true,
        Role::OnlineService | Role::Citizen => matches!(action, WindowAction::Withdraw { .. }),
        Role::Department(_) => false,
    };
    if !allowed {
        return Err(ApiError::forbidden(
            "无权执行此窗口操作",
            "you may not do this window action",
        ));
    }
    with_slot(app, move |app| {
        owned(&principal, app.workflow.case(&id)?.as_ref())?;
        command(app, first, StatusCode::OK, |remember| {
            app.workflow
                .window(&actor(&principal), &id, action, remember)
        })
    })
    .await
}

/// POST /api/v1/cases/{id}/items/{matter} — the department that handles the matter:
/// confirm receipt, accept, reject, suspend, resume, decide, return the result.
#[utoipa::path(post, path = "/cases/{id}/items/{matter}", tag = "cases",
    summary = "A department command on its item: confirm receipt, accept, reject, suspend, resume, decide, return the result",
    params(("id" = String, Path, description = "the case number"), ("matter" = String, Path, description = "the matter's code", example = "birth-registration")),
    request_body = DepartmentAction,
    responses(
        (status = 200, description = "the case as committed", body = CaseView),
        (status = 403, description = "`forbidden`: the item is another department's", body = ErrorBody),
        (status = 404, description = "`unknown_case`, `unknown_item`", body = ErrorBody),
        (status = 409, description = "`wrong_state` (`details.command`, `details.state`), `contended`: retry, `rules_unavailable`: matters without rules in service (`details.matters`)", body = ErrorBody),
        (status = 422, description = "`invalid_command`, `reason_required`, `invalid_application`", body = ErrorBody),
        (status = 503, description = "`shutting_down`", body = ErrorBody),
    ))]
pub async fn item(
    State(app): State<AppState>,
    caller: Caller,
    Idempotent(first): Idempotent,
    Path((id, matter)): Path<(String, String)>,
    JsonBody(action): JsonBody<DepartmentAction>,
) -> Result<Response, ApiError> {
    let principal = caller.need(Need::Department)?.clone();
    let department = principal.department().unwrap_or_default().to_owned();
    with_slot(app, move |app| {
        command(app, first, StatusCode::OK, |remember| {
            app.workflow.department(
                &actor(&principal),
                &department,
                &id,
                &matter,
                action,
                remember,
            )
        })
    })
    .await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditView {
    events: Vec<Event>,
    /// Both chains verified, each against its head.
    verified: bool,
    broken: Option<Broken>,
    /// Who read the case's personal data, and when.
    reads: Vec<Event>,
    reads_broken: Option<Broken>,
}

/// GET /api/v1/cases/{id}/events — the bureau and the window: the audit trail, verified.
#[utoipa::path(get, path = "/cases/{id}/events", tag = "cases",
    summary = "The audit trail and the chain of reads, each verified against its head",
    params(("id" = String, Path, description = "the case number")),
    responses(
        (status = 200, description = "the trail", body = AuditView),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
    ))]
pub async fn events(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AuditView>, ApiError> {
    caller.need(Need::Clerk)?;
    blocking(move || {
        let trail = app.workflow.audit(&id)?;
        Ok(AuditView {
            verified: trail.verified(),
            broken: trail.events_checked.err(),
            reads_broken: trail.reads_checked.err(),
            events: trail.events,
            reads: trail.reads,
        })
    })
    .await
    .map(Json)
}

/// GET /api/v1/cases/{id}/notice — the latest one-time correction notice, printable.
#[utoipa::path(get, path = "/cases/{id}/notice", tag = "cases",
    summary = "The latest one-time correction notice (一次性告知书), printable",
    params(("id" = String, Path, description = "the case number")),
    responses(
        (status = 200, description = "the notice", content_type = "text/html", body = String),
        (status = 404, description = "`unknown_case`, `no_notice`", body = ErrorBody),
    ))]
pub async fn notice(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Html<String>, ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?.clone();
    let case = blocking(move || {
        let case = app.workflow.case(&id)?;
        owned(&principal, &case)?;
        Ok(case)
    })
    .await?;
    let notice = case.notices.last().ok_or_else(|| {
        ApiError::not_found(
            "no_notice",
            "该办件没有一次性告知书",
            "this case has no correction notice",
        )
    })?;
    Ok(Html(crate::workflow::print::correction_notice(
        &case, notice,
    )))
}

/// The archive record (第十八条): every material with its file hashes and whether the window
/// keeps the original, every result, every event, and the rule versions that judged the case.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ArchiveRecord {
    case_id: String,
    one_thing: String,
    receipt: Option<crate::workflow::Receipt>,
    applicant: String,
    materials: Arc<[crate::workflow::CaseMaterial]>,
    results: Vec<ResultEntry>,
    judged_by: Arc<[crate::precheck::JudgedBy]>,
    events: Vec<Event>,
    audit_verified: bool,
    archived_at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResultEntry {
    matter: String,
    status: ItemStatus,
    decision: Option<crate::workflow::Decision>,
    rejection_reason: Option<String>,
    cancel_reason: Option<String>,
}

/// GET /api/v1/cases/{id}/archive — the bureau and the window: the archive record of an
/// archived case.
#[utoipa::path(get, path = "/cases/{id}/archive", tag = "cases",
    summary = "The archive record of an archived case (第十八条); the read is recorded",
    params(("id" = String, Path, description = "the case number")),
    responses(
        (status = 200, description = "the record", body = ArchiveRecord),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
        (status = 409, description = "`not_archived`", body = ErrorBody),
    ))]
pub async fn archive_record(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ArchiveRecord>, ApiError> {
    let principal = caller.need(Need::Clerk)?.clone();
    blocking(move || {
        let case = app.workflow.case(&id)?;
        if case.status != crate::workflow::CaseStatus::Archived {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_archived",
                "该办件尚未归档",
                "the case is not archived yet",
            ));
        }
        app.workflow.record_read(&actor(&principal), &case, None)?;
        let trail = app.workflow.audit(&id)?;
        let audit_verified = trail.verified();
        let events = trail.events;
        Ok(ArchiveRecord {
            audit_verified,
            case_id: case.id.clone(),
            one_thing: case.one_thing_name.clone(),
            receipt: case.receipt.clone(),
            applicant: case.applicant.name.clone(),
            results: case
                .items
                .iter()
                .map(|i| ResultEntry {
                    matter: i.matter.clone(),
                    status: i.status,
                    decision: i.decision.clone(),
                    rejection_reason: i.rejection_reason.clone(),
                    cancel_reason: i.cancel_reason.clone(),
                })
                .collect(),
            materials: case.materials.clone(),
            judged_by: case.judged_by.clone(),
            events,
            archived_at: case.archived_at.clone(),
        })
    })
    .await
    .map(Json)
}

/// GET /api/v1/cases/{id}/results — the online service, for applicants who chose self-print
/// (第十七条): the electronic results that have reached the window.
#[utoipa::path(get, path = "/cases/{id}/results", tag = "cases",
    summary = "The electronic results that reached the window, for applicants who chose self-print (第十七条)",
    params(("id" = String, Path, description = "the case number")),
    responses(
        (status = 200, description = "the results", body = Vec<ResultEntry>),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
        (status = 409, description = "`not_self_print`", body = ErrorBody),
    ))]
pub async fn results(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ResultEntry>>, ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?.clone();
    blocking(move || {
        let case = app.workflow.case(&id)?;
        owned(&principal, &case)?;
        self_print(&case)?;
        Ok(case
            .items
            .iter()
            .filter(|i| i.window_received_at.is_some())
            .map(|i| ResultEntry {
                matter: i.matter.clone(),
                status: i.status,
                decision: i.decision.clone(),
                rejection_reason: None,
                cancel_reason: None,
            })
            .collect())
    })
    .await
    .map(Json)
}

#[cfg(test)]
mod tests {
    use lianban_sdk::Date;

    use super::*;
    use crate::workflow::{Delivery, tests as workflow_tests};
    use lianban_sdk::testing::official_calendar;

    /// A command's reply, spliced from the stored JSON, is byte for byte what encoding the
    /// view would give, clocks included.
    #[test]
    fn a_reply_from_the_stored_json_is_the_encoded_view() {
        let cal = official_calendar();
        let day = Date::ymd(2026, 11, 27);
        let case = Arc::new(workflow_tests::case(
            lianban_sdk::Channel::Online,
            Delivery::Together,
            &cal,
            day,
        ));
        let clocks = running(
            &case,
            day,
            &cal,
            crate::workflow::clocks::DEFAULT_YELLOW_SHARE,
        );
        assert!(
            !clocks.is_empty(),
            "an online submission has its intake clock"
        );
        let stored = serde_json::to_vec(case.as_ref()).unwrap();
        let spliced = with_clocks(&stored, &clocks).unwrap();
        let encoded = serde_json::to_vec(&CaseView { case, clocks }).unwrap();
        assert_eq!(String::from_utf8(spliced), String::from_utf8(encoded));
    }

    #[test]
    fn anything_but_a_non_empty_object_is_encoded_anew() {
        assert_eq!(with_clocks(b"", &[]), None);
        assert_eq!(with_clocks(b"{}", &[]), None);
        assert_eq!(with_clocks(b"[1]", &[]), None);
    }
}

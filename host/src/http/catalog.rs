//! `/catalog`: managing the list of one-things (第六条、第九条、第二十一条). The lead department
//! edits and files drafts; the bureau approves or returns them and publishes batches; anyone
//! can read the published batches.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path};
use crate::app::AppState;
use crate::auth::{Need, Role};
use crate::catalog::publication::{Batch, Draft, Filing, PublishedVersion};
use crate::catalog::{BatchInput, DraftInput};

/// GET /api/v1/catalog/batches — public: the list as published, batch by batch.
#[utoipa::path(get, path = "/catalog/batches", tag = "catalog",
    summary = "The list of one-things as published, batch by batch (第九条)",
    responses((status = 200, description = "oldest first", body = Vec<Batch>)))]
pub async fn batches(State(app): State<AppState>) -> Result<Json<Vec<Batch>>, ApiError> {
    blocking(move || Ok(app.catalog.batches()?)).await.map(Json)
}

/// POST /api/v1/catalog/batches — admin.
#[utoipa::path(post, path = "/catalog/batches", tag = "catalog",
    summary = "Publish a batch of approved one-things",
    request_body = BatchInput,
    responses(
        (status = 201, description = "the batch", body = Batch),
        (status = 404, description = "`unknown_one_thing`", body = ErrorBody),
        (status = 409, description = "`batch_exists`", body = ErrorBody),
        (status = 422, description = "`batch_invalid`: the problems in `details.problems` (for example a one-thing not approved)", body = ErrorBody),
    ))]
pub async fn publish(
    State(app): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<BatchInput>,
) -> Result<(StatusCode, Json<Batch>), ApiError> {
    let by = caller.need(Need::Admin)?.name.clone();
    let at = app.clock.stamp();
    blocking(move || Ok(app.catalog.publish_batch(input, &by, &at)?))
        .await
        .map(|b| (StatusCode::CREATED, Json(b)))
}

/// The department a caller acts for, if it is one.
fn department_of(caller: &Caller) -> Result<Option<String>, ApiError> {
    let principal = caller.need(Need::AdminOrDepartment)?;
    Ok(match &principal.role {
        Role::Department(d) => Some(d.clone()),
        _ => None,
    })
}

/// GET /api/v1/catalog/drafts — the bureau sees every draft, a department those it leads.
#[utoipa::path(get, path = "/catalog/drafts", tag = "catalog",
    summary = "Drafts: the bureau sees every one, a department those it leads",
    responses((status = 200, description = "the drafts", body = Vec<Draft>)))]
pub async fn drafts(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Draft>>, ApiError> {
    let department = department_of(&caller)?;
    blocking(move || {
        Ok(app
            .catalog
            .drafts()?
            .into_iter()
            .filter(|d| {
                department
                    .as_ref()
                    .is_none_or(|dep| *dep == d.one_thing.lead_department)
            })
            .collect())
    })
    .await
    .map(Json)
}

/// GET /api/v1/catalog/drafts/{code} — the bureau or the lead department.
#[utoipa::path(get, path = "/catalog/drafts/{code}", tag = "catalog",
    summary = "One draft (the bureau, or the lead department)",
    params(("code" = String, Path, description = "the one-thing's code", example = "newborn")),
    responses(
        (status = 200, description = "the draft", body = Draft),
        (status = 403, description = "`forbidden`: not the lead department", body = ErrorBody),
        (status = 404, description = "`no_draft`", body = ErrorBody),
    ))]
pub async fn draft(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<Draft>, ApiError> {
    let department = department_of(&caller)?;
    blocking(move || {
        let draft = app.catalog.draft(&code)?;
        if department
            .as_ref()
            .is_some_and(|d| *d != draft.one_thing.lead_department)
        {
            return Err(ApiError::forbidden(
                "只有牵头部门和区政务服务和大数据管理局可以查看草案",
                "only the lead department and the bureau may read a draft",
            ));
        }
        Ok(draft)
    })
    .await
    .map(Json)
}

fn lead_department(caller: &Caller) -> Result<(String, String), ApiError> {
    let principal = caller.need(Need::Department)?;
    match &principal.role {
        Role::Department(d) => Ok((d.clone(), principal.name.clone())),
        _ => Err(ApiError::forbidden(
            "只有牵头部门可以编辑和报备一件事",
            "only the lead department may edit and file a one-thing",
        )),
    }
}

/// PUT /api/v1/catalog/drafts/{code} — the lead department: creates or edits the draft.
#[utoipa::path(put, path = "/catalog/drafts/{code}", tag = "catalog",
    summary = "Create or edit a draft (the lead department)",
    params(("code" = String, Path, description = "the one-thing's code", example = "newborn")),
    request_body = DraftInput,
    responses(
        (status = 200, description = "the draft at its new revision", body = Draft),
        (status = 403, description = "`forbidden`: another department leads it", body = ErrorBody),
        (status = 409, description = "`draft_under_filing`, `draft_wrong_state`", body = ErrorBody),
        (status = 422, description = "`one_thing_invalid`: the problems in `details.problems`", body = ErrorBody),
    ))]
pub async fn save_draft(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(input): JsonBody<DraftInput>,
) -> Result<Json<Draft>, ApiError> {
    let (department, by) = lead_department(&caller)?;
    let at = app.clock.stamp();
    blocking(move || {
        Ok(app
            .catalog
            .save_draft(&department, &code, input, &by, &at)?)
    })
    .await
    .map(Json)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingBody {
    revision: u64,
}

/// POST /api/v1/catalog/drafts/{code}/filing — the lead department files the draft (备案).
#[utoipa::path(post, path = "/catalog/drafts/{code}/filing", tag = "catalog",
    summary = "File a draft with the bureau (备案)",
    params(("code" = String, Path, description = "the one-thing's code", example = "newborn")),
    request_body = FilingBody,
    responses(
        (status = 201, description = "the filing", body = Filing),
        (status = 403, description = "`forbidden`: another department leads it", body = ErrorBody),
        (status = 404, description = "`no_draft`", body = ErrorBody),
        (status = 409, description = "`draft_revision_stale` (`details.current_revision`), `draft_under_filing`, `draft_wrong_state`", body = ErrorBody),
        (status = 422, description = "`one_thing_invalid`", body = ErrorBody),
    ))]
pub async fn file(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<FilingBody>,
) -> Result<(StatusCode, Json<Filing>), ApiError> {
    let (department, by) = lead_department(&caller)?;
    let at = app.clock.stamp();
    blocking(move || {
        Ok(app
            .catalog
            .file(&department, &code, body.revision, &by, &at)?)
    })
    .await
    .map(|f| (StatusCode::CREATED, Json(f)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    approve: bool,
    #[serde(default)]
    reason: Option<String>,
}

/// POST /api/v1/catalog/drafts/{code}/decision — admin: approve, or return with a reason.
#[utoipa::path(post, path = "/catalog/drafts/{code}/decision", tag = "catalog",
    summary = "Approve a filed draft, or return it with a reason",
    params(("code" = String, Path, description = "the one-thing's code", example = "newborn")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "the filing with the answer", body = Filing),
        (status = 404, description = "`no_draft`", body = ErrorBody),
        (status = 409, description = "`draft_wrong_state`: nothing is filed", body = ErrorBody),
        (status = 422, description = "`reason_required`: a return needs a reason", body = ErrorBody),
    ))]
pub async fn decide(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<DecisionBody>,
) -> Result<Json<Filing>, ApiError> {
    let by = caller.need(Need::Admin)?.name.clone();
    let at = app.clock.stamp();
    blocking(move || {
        Ok(app
            .catalog
            .decide(&code, body.approve, body.reason, &by, &at)?)
    })
    .await
    .map(Json)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct History {
    versions: Vec<PublishedVersion>,
    filings: Vec<Filing>,
    /// The version in effect today, if any.
    effective_version: Option<u32>,
}

/// GET /api/v1/catalog/one-things/{code}/history — any staff: every published version and
/// every filing with the bureau's answer.
#[utoipa::path(get, path = "/catalog/one-things/{code}/history", tag = "catalog",
    summary = "Every published version of a one-thing and every filing with the bureau's answer",
    params(("code" = String, Path, description = "the one-thing's code", example = "newborn")),
    responses(
        (status = 200, description = "the history", body = History),
        (status = 404, description = "`unknown_one_thing`", body = ErrorBody),
    ))]
pub async fn history(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<History>, ApiError> {
    caller.need(Need::Staff)?;
    blocking(move || {
        let versions = app.catalog.versions(&code)?;
        let filings = app.catalog.filings(&code)?;
        if versions.is_empty() && filings.is_empty() {
            return Err(crate::catalog::CatalogError::UnknownOneThing(code).into());
        }
        Ok(History {
            effective_version: app.catalog.one_thing(&code)?.map(|o| o.version),
            versions,
            filings,
        })
    })
    .await
    .map(Json)
}

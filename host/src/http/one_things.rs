//! `/one-things`: the catalog as clerks and applicants read it, with the merged form and
//! materials of each one-thing.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Path};
use crate::app::AppState;
use crate::auth::Need;
use crate::catalog::{MatterRef, OneThing};
use crate::precheck::{Merged, merge_manifests};

#[derive(Serialize, utoipa::ToSchema)]
pub struct OneThingSummary {
    code: String,
    name: String,
    lead_department: String,
    lead_department_name: Option<String>,
    matters: usize,
}

/// GET /api/v1/one-things — any staff.
#[utoipa::path(get, path = "/one-things", tag = "catalog",
    summary = "The one-things in effect, each with its lead department and number of matters",
    responses((status = 200, description = "one entry per one-thing", body = Vec<OneThingSummary>)))]
pub async fn list(State(app): State<AppState>) -> Result<Json<Vec<OneThingSummary>>, ApiError> {
    blocking(move || {
        let departments = app.catalog.departments()?;
        Ok(app
            .catalog
            .one_things()?
            .into_iter()
            .map(|ot| OneThingSummary {
                lead_department_name: departments.get(&ot.lead_department).map(|d| d.name.clone()),
                code: ot.code,
                name: ot.name,
                lead_department: ot.lead_department,
                matters: ot.matters.len(),
            })
            .collect())
    })
    .await
    .map(Json)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MatterView {
    #[serde(flatten)]
    matter: MatterRef,
    department_name: Option<String>,
    /// The active rules, if any.
    active_version: Option<String>,
    active_sha256: Option<String>,
    legal_days: Option<u32>,
    promised_days: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OneThingView {
    code: String,
    name: String,
    description: String,
    lead_department: String,
    lead_department_name: Option<String>,
    matters: Vec<MatterView>,
    /// Matters with no active rules: the pre-check cannot be ready until they have some.
    missing_rules: Vec<String>,
    /// One form and one set of materials, from the active rules' manifests.
    #[serde(flatten)]
    merged: Merged,
}

/// GET /api/v1/one-things/{code} — any staff.
#[utoipa::path(get, path = "/one-things/{code}", tag = "catalog",
    summary = "A one-thing with its matters, their active rules, and the one form and set of materials they make",
    params(("code" = String, Path, description = "the one-thing's code in the catalog", example = "newborn")),
    responses(
        (status = 200, description = "the one-thing", body = OneThingView),
        (status = 404, description = "`unknown_one_thing`", body = ErrorBody),
    ))]
pub async fn show(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<OneThingView>, ApiError> {
    caller.need(Need::Staff)?;
    blocking(move || {
        let ot: OneThing = app.catalog.one_thing(&code)?.ok_or_else(|| {
            ApiError::not_found(
                "unknown_one_thing",
                format!("事项清单中没有一件事“{code}”"),
                format!("no one-thing {code} in the catalog"),
            )
        })?;
        let departments = app.catalog.departments()?;
        let active: Vec<_> = ot
            .matters
            .iter()
            .map(|m| app.registry.active(&m.code))
            .collect();
        let merged = merge_manifests(active.iter().flatten().map(|a| &a.version.manifest));
        let missing_rules = ot
            .matters
            .iter()
            .zip(&active)
            .filter(|(_, a)| a.is_none())
            .map(|(m, _)| m.code.clone())
            .collect();
        let matters = ot
            .matters
            .iter()
            .zip(&active)
            .map(|(m, a)| MatterView {
                department_name: departments.get(&m.department).map(|d| d.name.clone()),
                active_version: a.as_ref().map(|a| a.version.version.clone()),
                active_sha256: a.as_ref().map(|a| a.version.sha256.clone()),
                legal_days: a.as_ref().map(|a| a.version.manifest.legal_days),
                promised_days: a.as_ref().map(|a| a.version.manifest.promised_days),
                matter: m.clone(),
            })
            .collect();
        Ok(OneThingView {
            lead_department_name: departments.get(&ot.lead_department).map(|d| d.name.clone()),
            code: ot.code,
            name: ot.name,
            description: ot.description,
            lead_department: ot.lead_department,
            matters,
            missing_rules,
            merged,
        })
    })
    .await
    .map(Json)
}

//! Capabilities granted per matter, and the platform's electronic certificates.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use lianban_sdk::{Capability, Certificate};
use serde::{Deserialize, Serialize};

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path};
use super::matters::{may_read, unknown_matter};
use crate::app::AppState;
use crate::auth::Need;
use crate::elicense::check_request;
use crate::registry::Grant;
use crate::store::ElicenseStore;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// The full set granted from now on; an empty list withdraws everything.
    capabilities: Vec<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// What a matter is granted, and what its versions ask for.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Granted {
    matter: String,
    capabilities: BTreeSet<Capability>,
    /// Who last changed the grant, when and why; absent when nothing was ever granted.
    record: Option<Grant>,
    /// Every capability the platform knows, for the administrator's form.
    available: Vec<&'static str>,
}

fn granted(app: &AppState, matter: &str) -> Granted {
    Granted {
        matter: matter.to_owned(),
        capabilities: app.registry.granted(matter),
        record: app.registry.grant_record(matter),
        available: Capability::ALL.iter().map(|c| c.as_str()).collect(),
    }
}

/// GET /api/v1/matters/{code}/capabilities — admin, or the matter's department.
#[utoipa::path(get, path = "/matters/{code}/capabilities", tag = "rules",
    summary = "What a matter's rules are granted (a department: only its own matters)",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    responses(
        (status = 200, description = "the grant", body = Granted),
        (status = 404, description = "`unknown_matter`", body = ErrorBody),
    ))]
pub async fn show(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
) -> Result<Json<Granted>, ApiError> {
    let principal = caller.need(Need::AdminOrDepartment)?.clone();
    blocking(move || {
        may_read(&app, &principal, &matter)?;
        Ok(granted(&app, &matter))
    })
    .await
    .map(Json)
}

/// PUT /api/v1/matters/{code}/capabilities — admin. Replaces the grant; withdrawing takes
/// effect on the next rules call, the active version included.
#[utoipa::path(put, path = "/matters/{code}/capabilities", tag = "rules",
    summary = "Replace a matter's grant; a withdrawal holds from the next rules call",
    params(("code" = String, Path, description = "the matter's code in the catalog", example = "birth-registration")),
    request_body = GrantRequest,
    responses(
        (status = 200, description = "the grant", body = Granted),
        (status = 404, description = "`unknown_matter`", body = ErrorBody),
        (status = 422, description = "`unknown_capability`", body = ErrorBody),
    ))]
pub async fn put(
    State(app): State<AppState>,
    caller: Caller,
    Path(matter): Path<String>,
    JsonBody(body): JsonBody<GrantRequest>,
) -> Result<Json<Granted>, ApiError> {
    let principal = caller.need(Need::Admin)?.clone();
    let mut set = BTreeSet::new();
    for name in &body.capabilities {
        let c = Capability::parse(name).ok_or_else(|| {
            ApiError::unprocessable(
                "unknown_capability",
                format!(
                    "没有名为“{name}”的能力；可授权的能力：{}",
                    Capability::ALL
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                format!("there is no capability named {name:?}"),
            )
        })?;
        set.insert(c);
    }
    let now = app.clock.stamp();
    blocking(move || {
        if app.catalog.matter(&matter)?.is_none() {
            return Err(unknown_matter(&matter));
        }
        let grant = app
            .registry
            .grant(&matter, set, &principal.name, &now, body.reason)?;
        tracing::info!(%matter, capabilities = ?grant.capabilities, by = %grant.granted_by, "capabilities granted");
        Ok(granted(&app, &matter))
    })
    .await
    .map(Json)
}

fn invalid(e: lianban_sdk::ElicenseError) -> ApiError {
    ApiError::unprocessable("invalid_certificate", e.to_string(), e.to_string())
}

/// PUT /api/v1/elicenses — admin. Adds or replaces a certificate in the platform's store.
#[utoipa::path(put, path = "/elicenses", tag = "elicenses",
    summary = "Add or replace a certificate in the platform's certificate store",
    request_body(content = Certificate, example = super::examples::certificate),
    responses(
        (status = 200, description = "the certificate as stored", body = Certificate),
        (status = 422, description = "`invalid_certificate`", body = ErrorBody),
    ))]
pub async fn put_certificate(
    State(app): State<AppState>,
    caller: Caller,
    JsonBody(certificate): JsonBody<Certificate>,
) -> Result<(StatusCode, Json<Certificate>), ApiError> {
    caller.need(Need::Admin)?;
    check_request(&certificate.kind, &certificate.holder).map_err(invalid)?;
    if certificate.number.trim().is_empty() || certificate.number.len() > 64 {
        return Err(ApiError::unprocessable(
            "invalid_certificate",
            "证照编号不能为空，且不超过 64 个字符",
            "the certificate number must be 1 to 64 characters",
        ));
    }
    blocking(move || {
        app.store.put_certificate(&certificate)?;
        Ok(certificate)
    })
    .await
    .map(|c| (StatusCode::OK, Json(c)))
}

/// GET /api/v1/elicenses/{kind}/{holder} — admin: what a rule would find.
#[utoipa::path(get, path = "/elicenses/{kind}/{holder}", tag = "elicenses",
    summary = "The certificates a rule would find for a holder",
    params(("kind" = String, Path, description = "the kind of certificate, as material specs name it", example = "结婚证"), ("holder" = String, Path, description = "公民身份号码 or 统一社会信用代码 of the holder", example = "410702199205050027")),
    responses(
        (status = 200, description = "the certificates", body = Vec<Certificate>),
        (status = 422, description = "`invalid_certificate`: not a kind or a holder number a rule could ask for", body = ErrorBody),
    ))]
pub async fn certificates(
    State(app): State<AppState>,
    caller: Caller,
    Path((kind, holder)): Path<(String, String)>,
) -> Result<Json<Vec<Certificate>>, ApiError> {
    caller.need(Need::Admin)?;
    check_request(&kind, &holder).map_err(invalid)?;
    blocking(move || Ok(app.store.certificates(&kind, &holder)?))
        .await
        .map(Json)
}

/// DELETE /api/v1/elicenses/{kind}/{holder}/{number} — admin: a revoked certificate.
#[utoipa::path(delete, path = "/elicenses/{kind}/{holder}/{number}", tag = "elicenses",
    summary = "Remove a revoked certificate",
    params(("kind" = String, Path, description = "the kind of certificate, as material specs name it", example = "结婚证"), ("holder" = String, Path, description = "公民身份号码 or 统一社会信用代码 of the holder", example = "410702199205050027"), ("number" = String, Path, description = "the certificate number (证照编号)")),
    responses(
        (status = 204, description = "removed"),
        (status = 404, description = "`unknown_certificate`", body = ErrorBody),
    ))]
pub async fn remove_certificate(
    State(app): State<AppState>,
    caller: Caller,
    Path((kind, holder, number)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.need(Need::Admin)?;
    blocking(move || {
        if app.store.remove_certificate(&kind, &holder, &number)? {
            Ok(StatusCode::NO_CONTENT)
        } else {
            Err(ApiError::not_found(
                "unknown_certificate",
                format!("没有证照 {kind} {number}"),
                format!("no certificate {kind} {number}"),
            ))
        }
    })
    .await
}

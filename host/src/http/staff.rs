//! `/staff` and `/sign-ins`: the bureau's staff directory, which turns a person the staff
//! identity provider vouches for into the roles they act in, and the sign-in log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::auth::Role;
use crate::identity::model::{SignInEvent, StaffMember};

/// A member's entry.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    #[schema(example = "王敏")]
    name: String,
    /// At least one of `admin`, `clerk`, `department:<code>` (a department of the catalog).
    #[schema(value_type = Vec<String>, example = json!(["clerk"]))]
    roles: Vec<Role>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// At most this many (default 100, at most 1,000).
    #[serde(default)]
    #[param(maximum = 1000)]
    limit: Option<usize>,
}

fn invalid(zh: String, en: String) -> ApiError {
    ApiError::unprocessable("invalid_staff_member", zh, en)
}

/// GET /api/v1/staff — admin: the directory.
#[utoipa::path(get, path = "/staff", tag = "identity",
    summary = "The staff directory: who may sign in, in which roles",
    responses((status = 200, description = "the members", body = Vec<StaffMember>)))]
pub async fn list(State(app): State<AppState>) -> Result<Json<Vec<StaffMember>>, ApiError> {
    blocking(move || Ok(Json(app.identity.store().staff_members()?))).await
}

/// PUT /api/v1/staff/{subject} — admin: adds a member or changes their roles; sessions follow
/// at their next request.
#[utoipa::path(put, path = "/staff/{subject}", tag = "identity",
    summary = "Add a member of staff or change their roles (their sessions follow at once)",
    params(("subject" = String, Path, description = "the staff identity provider's `sub` for the person")),
    request_body = MemberInput,
    responses(
        (status = 200, description = "the member as kept", body = StaffMember),
        (status = 422, description = "`invalid_staff_member`: no role, the online service's role, a name out of range; `unknown_department`", body = ErrorBody),
    ))]
pub async fn put(
    State(app): State<AppState>,
    caller: Caller,
    Path(subject): Path<String>,
    JsonBody(input): JsonBody<MemberInput>,
) -> Result<Json<StaffMember>, ApiError> {
    blocking(move || {
        let name = input.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 50 || subject.chars().count() > 200 {
            return Err(invalid(
                "姓名应为 1 至 50 个字".into(),
                "a name is 1 to 50 characters".into(),
            ));
        }
        if input.roles.is_empty() {
            return Err(invalid(
                "至少需要一个角色".into(),
                "a member needs at least one role".into(),
            ));
        }
        let departments = app.catalog.departments()?;
        for role in &input.roles {
            match role {
                Role::OnlineService | Role::Citizen => {
                    return Err(invalid(
                        "工作人员名录只登记 admin、clerk 和部门角色".into(),
                        "the staff directory holds admin, clerk and department roles only".into(),
                    ));
                }
                Role::Department(code) if !departments.contains_key(code) => {
                    return Err(ApiError::unprocessable(
                        "unknown_department",
                        format!("目录中没有部门 {code}"),
                        format!("the catalog has no department {code}"),
                    ));
                }
                _ => {}
            }
        }
        let mut roles = input.roles;
        roles.dedup();
        let member = StaffMember {
            subject,
            name,
            roles,
            updated_at: app.clock.now(),
            updated_by: caller.0.name.clone(),
        };
        app.identity.put_staff(&member)?;
        tracing::info!(subject = %member.subject, by = %caller.0.name, "staff member kept");
        Ok(Json(member))
    })
    .await
}

/// DELETE /api/v1/staff/{subject} — admin: removes a member; their sessions end at once.
#[utoipa::path(delete, path = "/staff/{subject}", tag = "identity",
    summary = "Remove a member of staff: their sessions end at their next request",
    params(("subject" = String, Path, description = "the staff identity provider's `sub` for the person")),
    responses(
        (status = 204, description = "removed"),
        (status = 404, description = "`unknown_staff_member`", body = ErrorBody),
    ))]
pub async fn remove(
    State(app): State<AppState>,
    Path(subject): Path<String>,
) -> Result<StatusCode, ApiError> {
    blocking(move || {
        if app.identity.store().remove_staff(&subject)? {
            Ok(StatusCode::NO_CONTENT)
        } else {
            Err(ApiError::not_found(
                "unknown_staff_member",
                format!("名录中没有 {subject}"),
                format!("no staff member {subject}"),
            ))
        }
    })
    .await
}

/// GET /api/v1/sign-ins — admin: the sign-in log, newest first.
#[utoipa::path(get, path = "/sign-ins", tag = "identity",
    summary = "The sign-in log: sign-ins, failures and their reasons, sign-outs, newest first",
    params(LogQuery),
    responses((status = 200, description = "the log", body = Vec<SignInEvent>)))]
pub async fn log(
    State(app): State<AppState>,
    Query(q): Query<LogQuery>,
) -> Result<Json<Vec<SignInEvent>>, ApiError> {
    let limit = q.limit.unwrap_or(100).min(1_000);
    blocking(move || Ok(Json(app.identity.store().sign_in_events(limit)?))).await
}

//! `/tokens`: the bureau issues, lists, rotates and revokes machine tokens while the host runs
//! (`auth/tokens.rs`). A secret appears in exactly one answer, the one that issued it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path};
use crate::app::AppState;
use crate::auth::Role;
use crate::auth::tokens::{
    DEFAULT_LIFETIME_DAYS, Issued, Listed, MAX_LIFETIME_DAYS, MAX_OVERLAP_MINUTES, MachineToken,
    NewToken, TokenError, TokenState,
};

/// A token to issue.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// The system that will use it, or the person running it (1–50 characters).
    #[schema(example = "公安局人口管理系统")]
    name: String,
    /// `admin`, `clerk`, `department:<code>` (a department of the catalog) or
    /// `online-service` (the 政务服务网 system, acting for the people it names).
    #[schema(value_type = String, example = "department:public-security")]
    role: Role,
    /// Days until it expires: 1 to 366, 90 when left out.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 366)]
    expires_in_days: Option<u32>,
}

/// How to rotate.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// Minutes the old token keeps working beside the new one, so the system can switch
    /// without a gap: 0 (ends at once, the default) to 10,080 (a week).
    #[serde(default)]
    #[schema(maximum = 10080)]
    overlap_minutes: u32,
}

/// A token as the listing shows it; never its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    #[schema(example = "tk_3f9a0c21d4e5b678")]
    id: String,
    name: String,
    #[schema(value_type = String, example = "department:public-security")]
    role: Role,
    state: TokenState,
    created_at: DateTime<Utc>,
    created_by: String,
    expires_at: DateTime<Utc>,
    /// To the minute: uses are noted at most once a minute.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_by: Option<String>,
    /// The token that replaced this one in a rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    replaced_by: Option<String>,
}

impl TokenInfo {
    fn new(token: MachineToken, state: TokenState, last_used_at: Option<DateTime<Utc>>) -> Self {
        TokenInfo {
            id: token.id,
            name: token.name,
            role: token.role,
            state,
            created_at: token.created_at,
            created_by: token.created_by,
            expires_at: token.expires_at,
            last_used_at,
            revoked_at: token.revoked_at,
            revoked_by: token.revoked_by,
            replaced_by: token.replaced_by,
        }
    }
}

/// A newly issued token.
#[derive(Serialize, ToSchema)]
pub struct IssuedToken {
    /// The bearer secret. Shown in this answer only: the host keeps its SHA-256.
    #[schema(example = "lb_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    secret: String,
    token: TokenInfo,
}

impl IssuedToken {
    fn new(issued: Issued, now: DateTime<Utc>) -> IssuedToken {
        let state = issued.token.state(now);
        IssuedToken {
            secret: issued.secret,
            token: TokenInfo::new(issued.token, state, None),
        }
    }
}

/// POST /api/v1/tokens — admin: issues a machine token.
#[utoipa::path(post, path = "/tokens", tag = "tokens",
    summary = "Issue a machine token (its secret is shown once)",
    request_body = IssueRequest,
    responses(
        (status = 201, description = "the secret, shown this once, and the token's record", body = IssuedToken),
        (status = 422, description = "`invalid_token_request`: a name, role or lifetime out of range; `unknown_department`", body = ErrorBody),
    ))]
pub async fn issue(
    State(app): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<IssueRequest>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    blocking(move || {
        if let Role::Department(code) = &request.role
            && !app.catalog.departments()?.contains_key(code)
        {
            return Err(ApiError::unprocessable(
                "unknown_department",
                format!("目录中没有部门 {code}"),
                format!("the catalog has no department {code}"),
            ));
        }
        let now = app.clock.now();
        let issued = app.auth.issue(
            NewToken {
                name: request.name,
                role: request.role,
                lifetime_days: request.expires_in_days.unwrap_or(DEFAULT_LIFETIME_DAYS),
                created_by: caller.0.name.clone(),
            },
            now,
        )?;
        tracing::info!(id = %issued.token.id, role = %issued.token.role, by = %caller.0.name, "token issued");
        Ok((StatusCode::CREATED, Json(IssuedToken::new(issued, now))))
    })
    .await
}

/// GET /api/v1/tokens — admin: every token ever issued, newest first, without secrets.
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    summary = "Every machine token, newest first, with its state and last use",
    responses((status = 200, description = "the tokens, never their secrets", body = Vec<TokenInfo>)))]
pub async fn list(State(app): State<AppState>) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    blocking(move || {
        let listed = app.auth.list(app.clock.now())?;
        Ok(Json(
            listed
                .into_iter()
                .map(
                    |Listed {
                         token,
                         state,
                         last_used_at,
                     }| TokenInfo::new(token, state, last_used_at),
                )
                .collect(),
        ))
    })
    .await
}

/// POST /api/v1/tokens/{id}/rotate — admin: issues the token's successor.
#[utoipa::path(post, path = "/tokens/{id}/rotate", tag = "tokens",
    summary = "Rotate a token: a successor with its name, role and lifetime; the old one ends after the overlap",
    params(("id" = String, Path, description = "the token's id")),
    request_body = RotateRequest,
    responses(
        (status = 201, description = "the successor's secret, shown this once, and its record", body = IssuedToken),
        (status = 404, description = "`unknown_token`", body = ErrorBody),
        (status = 409, description = "`token_inactive`: expired, revoked or already rotated", body = ErrorBody),
        (status = 422, description = "`invalid_token_request`: the overlap is too long", body = ErrorBody),
    ))]
pub async fn rotate(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<RotateRequest>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    blocking(move || {
        let now = app.clock.now();
        let issued = app
            .auth
            .rotate(&id, request.overlap_minutes, &caller.0.name, now)?;
        tracing::info!(old = %id, new = %issued.token.id, by = %caller.0.name, "token rotated");
        Ok((StatusCode::CREATED, Json(IssuedToken::new(issued, now))))
    })
    .await
}

/// POST /api/v1/tokens/{id}/revoke — admin: ends a token now.
#[utoipa::path(post, path = "/tokens/{id}/revoke", tag = "tokens",
    summary = "Revoke a token: refused from the next request on",
    params(("id" = String, Path, description = "the token's id")),
    responses(
        (status = 200, description = "the token, revoked (revoking again changes nothing)", body = TokenInfo),
        (status = 404, description = "`unknown_token`", body = ErrorBody),
        (status = 409, description = "`last_admin_token`: the bureau would lock itself out", body = ErrorBody),
    ))]
pub async fn revoke(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TokenInfo>, ApiError> {
    blocking(move || {
        let now = app.clock.now();
        let token = app.auth.revoke(&id, &caller.0.name, now)?;
        tracing::info!(%id, by = %caller.0.name, "token revoked");
        let state = token.state(now);
        Ok(Json(TokenInfo::new(token, state, None)))
    })
    .await
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> ApiError {
        let invalid =
            |zh: String, en: String| ApiError::unprocessable("invalid_token_request", zh, en);
        match e {
            TokenError::NotFound(id) => ApiError::not_found(
                "unknown_token",
                format!("没有编号为 {id} 的令牌"),
                format!("no token {id}"),
            ),
            TokenError::Lifetime => invalid(
                format!("令牌有效期应为 1 至 {MAX_LIFETIME_DAYS} 天"),
                format!("a token lives 1 to {MAX_LIFETIME_DAYS} days"),
            ),
            TokenError::Overlap => invalid(
                format!("新旧令牌并用时间最长 {MAX_OVERLAP_MINUTES} 分钟"),
                format!("the overlap is at most {MAX_OVERLAP_MINUTES} minutes"),
            ),
            TokenError::CitizenRole => invalid(
                "群众通过政务服务网账号登录，不签发 citizen 角色的令牌".into(),
                "citizens sign in; no token is issued for the citizen role".into(),
            ),
            TokenError::Name => invalid(
                "令牌名称应为 1 至 50 个字，且不含控制字符".into(),
                "a token's name is 1 to 50 characters without control characters".into(),
            ),
            TokenError::Inactive(id) => ApiError::new(
                StatusCode::CONFLICT,
                "token_inactive",
                format!("令牌 {id} 已过期、已吊销或已轮换，不能再轮换"),
                format!("token {id} has expired, been revoked or been rotated already"),
            ),
            TokenError::LastAdmin(id) => ApiError::new(
                StatusCode::CONFLICT,
                "last_admin_token",
                format!(
                    "令牌 {id} 是唯一可用的管理员令牌，吊销后将无人能管理平台；请先签发新的管理员令牌"
                ),
                format!("token {id} is the last administrator token in use; issue another first"),
            ),
            TokenError::Store(e) => e.into(),
        }
    }
}

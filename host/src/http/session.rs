//! `/session`: who is signed in, in which role they act, and signing out.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Json as JsonBody, SignedIn};
use super::sign_in::{SESSION_COOKIE, client, cookie};
use crate::app::AppState;
use crate::auth::Role;
use crate::identity::ActiveSession;
use crate::identity::model::Issuer;

/// The signed-in person as their pages need them.
#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    #[schema(example = "ss_4be1f0a2c3d49e87")]
    id: String,
    issuer: Issuer,
    name: String,
    /// The roles the person may act in.
    #[schema(value_type = Vec<String>)]
    roles: Vec<Role>,
    /// The role they act in now.
    #[schema(value_type = Option<String>)]
    role: Option<Role>,
    /// Send back in `X-CSRF-Token` with every write.
    csrf_token: String,
    /// The session ends then unless used before.
    idle_until: DateTime<Utc>,
    /// The session ends then in any case.
    expires_at: DateTime<Utc>,
}

impl SessionInfo {
    fn new(active: &ActiveSession) -> SessionInfo {
        SessionInfo {
            id: active.session.id.clone(),
            issuer: active.session.issuer,
            name: active.session.name.clone(),
            roles: active.roles.clone(),
            role: active.role().cloned(),
            csrf_token: active.session.csrf.clone(),
            idle_until: active.idle_until,
            expires_at: active.session.expires_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActAs {
    /// One of the roles the session holds.
    #[schema(value_type = String, example = "department:public-security")]
    role: Role,
}

/// GET /api/v1/session — the signed-in person.
#[utoipa::path(get, path = "/session", tag = "identity",
    summary = "The signed-in person: roles, the role acted in, the CSRF token, when the session ends",
    responses((status = 200, description = "the session", body = SessionInfo)))]
pub async fn show(SignedIn(active): SignedIn) -> Json<SessionInfo> {
    Json(SessionInfo::new(&active))
}

/// PUT /api/v1/session/role — act in another of one's roles.
#[utoipa::path(put, path = "/session/role", tag = "identity",
    summary = "Act in another of the roles one holds",
    request_body = ActAs,
    responses(
        (status = 200, description = "the session, acting in the role", body = SessionInfo),
        (status = 403, description = "`role_not_held`", body = ErrorBody),
    ))]
pub async fn act_as(
    State(app): State<AppState>,
    SignedIn(active): SignedIn,
    JsonBody(request): JsonBody<ActAs>,
) -> Result<Json<SessionInfo>, ApiError> {
    blocking(move || {
        let role = request.role;
        let session = app.identity.act_as(&active, role.clone())?.ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "role_not_held",
                format!("您没有角色 {role}"),
                format!("you do not hold the role {role}"),
            )
        })?;
        let active = ActiveSession { session, ..active };
        Ok(Json(SessionInfo::new(&active)))
    })
    .await
}

/// POST /api/v1/session/logout — ends the session.
#[utoipa::path(post, path = "/session/logout", tag = "identity",
    summary = "Sign out: the session ends here at once",
    responses((status = 204, description = "signed out; the cookie is cleared")))]
pub async fn logout(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    SignedIn(active): SignedIn,
) -> Result<Response, ApiError> {
    let client = client(&app, peer, &headers);
    let cleared = cookie(&app, SESSION_COOKIE, "", "/", 0);
    blocking(move || {
        app.identity.sign_out(&active, &client)?;
        tracing::info!(session = %active.session.id, "signed out");
        let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
        response.headers_mut().append(header::SET_COOKIE, cleared);
        Ok(response)
    })
    .await
}

//! `/consultation`: public consultation on the one-thing list (第七条). Anyone proposes and
//! reads; the online service or the window records supports for the people it has identified;
//! the bureau answers and sees contacts.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::blocking;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::auth::Need;
use crate::consultation::{NewProposal, Proposal, PublicProposal, Status};

/// POST /api/v1/consultation/proposals — public.
pub async fn propose(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(input): JsonBody<NewProposal>,
) -> Result<(StatusCode, Json<PublicProposal>), ApiError> {
    blocking(move || {
        let known: Vec<String> = app
            .catalog
            .one_things()?
            .into_iter()
            .map(|o| o.code)
            .collect();
        Ok(app
            .consultation
            .propose(peer.ip(), input, |code| known.iter().any(|k| k == code))?)
    })
    .await
    .map(|p| (StatusCode::CREATED, Json(p)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingQuery {
    #[serde(default)]
    status: Option<Status>,
}

/// GET /api/v1/consultation/proposals — public: the ranking by support.
pub async fn ranking(
    State(app): State<AppState>,
    Query(q): Query<RankingQuery>,
) -> Result<Json<Vec<PublicProposal>>, ApiError> {
    blocking(move || Ok(app.consultation.ranking(q.status)?))
        .await
        .map(Json)
}

/// GET /api/v1/consultation/proposals/{id} — public.
pub async fn show(
    State(app): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<PublicProposal>, ApiError> {
    blocking(move || Ok(app.consultation.proposal(id)?.into()))
        .await
        .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportBody {
    /// Who supports: the identifier the online service or the window knows the person by
    /// (an account id, or the id number checked at the window). Stored only as a keyed hash.
    person: String,
}

/// POST /api/v1/consultation/proposals/{id}/supports — the online service or the window.
pub async fn support(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
    JsonBody(body): JsonBody<SupportBody>,
) -> Result<Json<PublicProposal>, ApiError> {
    caller.need(Need::ClerkOrApplicant)?;
    blocking(move || Ok(app.consultation.support(id, &body.person)?))
        .await
        .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    status: Status,
    text: String,
}

/// POST /api/v1/consultation/proposals/{id}/replies — admin.
pub async fn reply(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
    JsonBody(body): JsonBody<ReplyBody>,
) -> Result<Json<Proposal>, ApiError> {
    let by = caller.need(Need::Admin)?.name.clone();
    blocking(move || Ok(app.consultation.answer(id, body.status, body.text, &by)?))
        .await
        .map(Json)
}

/// GET /api/v1/consultation/inbox — admin: every proposal with its contact, newest first.
pub async fn inbox(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Proposal>>, ApiError> {
    caller.need(Need::Admin)?;
    blocking(move || Ok(app.consultation.inbox()?))
        .await
        .map(Json)
}

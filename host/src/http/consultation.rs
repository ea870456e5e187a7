//! `/consultation`: public consultation on the one-thing list (第七条). Anyone proposes and
//! reads; the online service or the window records supports for the people it has identified;
//! the bureau answers and sees contacts.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::consultation::{NewProposal, Proposal, PublicProposal, Status};

/// The address a request comes from: the peer's, or, when the peer is a reverse proxy the
/// platform trusts (`--trusted-proxy`), the address that proxy put last in `X-Forwarded-For`
/// — skipping further trusted proxies, and never believing what a client wrote there itself,
/// which stands to the left of it.
pub(super) fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

/// POST /api/v1/consultation/proposals — public.
#[utoipa::path(post, path = "/consultation/proposals", tag = "consultation",
    summary = "Propose a one-thing or comment on one (第七条); 5 per client address an hour",
    request_body(content = NewProposal, example = super::examples::proposal),
    responses(
        (status = 201, description = "the proposal as the public sees it", body = PublicProposal),
        (status = 422, description = "`proposal_invalid`: the problems in `details.problems`", body = ErrorBody),
        (status = 429, description = "`too_many_requests`: `details.retry_after_secs`", body = ErrorBody),
    ))]
pub async fn propose(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<NewProposal>,
) -> Result<(StatusCode, Json<PublicProposal>), ApiError> {
    let client = client_address(peer.ip(), &headers, &app.config.trusted_proxies);
    blocking(move || {
        let known: Vec<String> = app
            .catalog
            .one_things()?
            .into_iter()
            .map(|o| o.code)
            .collect();
        Ok(app
            .consultation
            .propose(client, input, |code| known.iter().any(|k| k == code))?)
    })
    .await
    .map(|p| (StatusCode::CREATED, Json(p)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// Only proposals with this answer.
    #[serde(default)]
    status: Option<Status>,
    /// Proposals to skip (default 0).
    #[serde(default)]
    offset: Option<usize>,
    /// Proposals to return (default 50, at most 200).
    #[serde(default)]
    #[param(maximum = 200)]
    limit: Option<usize>,
}

/// GET /api/v1/consultation/proposals — public: the ranking by support, a page at a time.
#[utoipa::path(get, path = "/consultation/proposals", tag = "consultation",
    summary = "Proposals ranked by support, a page at a time",
    params(RankingQuery),
    responses((status = 200, description = "a page of the ranking", body = Vec<PublicProposal>)))]
pub async fn ranking(
    State(app): State<AppState>,
    Query(q): Query<RankingQuery>,
) -> Result<Json<Vec<PublicProposal>>, ApiError> {
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(50).min(200);
    blocking(move || Ok(app.consultation.ranking(q.status, offset, limit)?))
        .await
        .map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_what_a_trusted_proxy_reports_and_nothing_a_client_wrote() {
        let proxy: IpAddr = [10, 0, 0, 2].into();
        let peer_alone: IpAddr = [198, 51, 100, 7].into();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "1.1.1.1, 203.0.113.9, 10.0.0.3".parse().unwrap(),
        );
        // Not from a trusted proxy: the header is the client's own words.
        assert_eq!(client_address(peer_alone, &headers, &[proxy]), peer_alone);
        // From the trusted proxy, through another trusted one: the address before them.
        let trusted = [proxy, [10, 0, 0, 3].into()];
        assert_eq!(
            client_address(proxy, &headers, &trusted),
            IpAddr::from([203, 0, 113, 9])
        );
        // Nothing forwarded: the proxy itself.
        assert_eq!(client_address(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}

/// GET /api/v1/consultation/proposals/{id} — public.
#[utoipa::path(get, path = "/consultation/proposals/{id}", tag = "consultation",
    summary = "One proposal as the public sees it",
    params(("id" = u64, Path, description = "the proposal's number")),
    responses(
        (status = 200, description = "the proposal", body = PublicProposal),
        (status = 404, description = "`unknown_proposal`", body = ErrorBody),
    ))]
pub async fn show(
    State(app): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<PublicProposal>, ApiError> {
    blocking(move || Ok(app.consultation.proposal(id)?.into()))
        .await
        .map(Json)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportBody {
    /// Who supports, for the window: the id number it checked. Stored only as a keyed hash.
    /// A signed-in citizen, or the online service acting for a person (`X-On-Behalf-Of`),
    /// supports as that person whatever this says.
    #[serde(default)]
    person: Option<String>,
}

/// POST /api/v1/consultation/proposals/{id}/supports — the online service or the window.
#[utoipa::path(post, path = "/consultation/proposals/{id}/supports", tag = "consultation",
    summary = "Record an identified person's support, once per person",
    params(("id" = u64, Path, description = "the proposal's number")),
    request_body = SupportBody,
    responses(
        (status = 200, description = "the proposal with its support counted", body = PublicProposal),
        (status = 404, description = "`unknown_proposal`", body = ErrorBody),
        (status = 409, description = "`already_supported`: this person supports it already", body = ErrorBody),
        (status = 422, description = "`person_required`: the window did not say who", body = ErrorBody),
        (status = 429, description = "`too_many_requests`: the person's supports today are used up", body = ErrorBody),
    ))]
pub async fn support(
    State(app): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<u64>,
    JsonBody(body): JsonBody<SupportBody>,
) -> Result<Json<PublicProposal>, ApiError> {
    // Once per person holds only if the person is the caller's own: a citizen naming someone
    // new in the body each time would otherwise support without limit.
    let person = principal
        .person
        .clone()
        .or_else(|| body.person.filter(|p| !p.trim().is_empty()))
        .ok_or_else(|| {
            ApiError::unprocessable(
                "person_required",
                "请提供支持人的身份标识（person）",
                "say who supports (person)",
            )
        })?;
    blocking(move || Ok(app.consultation.support(id, &person)?))
        .await
        .map(Json)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    status: Status,
    text: String,
}

/// POST /api/v1/consultation/proposals/{id}/replies — admin.
#[utoipa::path(post, path = "/consultation/proposals/{id}/replies", tag = "consultation",
    summary = "The bureau answers a proposal",
    params(("id" = u64, Path, description = "the proposal's number")),
    request_body = ReplyBody,
    responses(
        (status = 200, description = "the proposal with its answers, contact included", body = Proposal),
        (status = 404, description = "`unknown_proposal`", body = ErrorBody),
    ))]
pub async fn reply(
    State(app): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<u64>,
    JsonBody(body): JsonBody<ReplyBody>,
) -> Result<Json<Proposal>, ApiError> {
    let by = principal.name;
    blocking(move || Ok(app.consultation.answer(id, body.status, body.text, &by)?))
        .await
        .map(Json)
}

/// GET /api/v1/consultation/inbox — admin: every proposal with its contact, newest first.
#[utoipa::path(get, path = "/consultation/inbox", tag = "consultation",
    summary = "Every proposal with its contact, newest first",
    responses((status = 200, description = "the proposals", body = Vec<Proposal>)))]
pub async fn inbox(State(app): State<AppState>) -> Result<Json<Vec<Proposal>>, ApiError> {
    blocking(move || Ok(app.consultation.inbox()?))
        .await
        .map(Json)
}

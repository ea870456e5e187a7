//! `/consultation`: public consultation on the one-thing list (第七条). Anyone proposes and
//! reads; the online service or the window records supports for the people it has identified;
//! the bureau answers and sees contacts.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::blocking;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::auth::Need;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingQuery {
    #[serde(default)]
    status: Option<Status>,
    /// Proposals to skip (default 0).
    #[serde(default)]
    offset: Option<usize>,
    /// Proposals to return (default 50, at most 200).
    #[serde(default)]
    limit: Option<usize>,
}

/// GET /api/v1/consultation/proposals — public: the ranking by support, a page at a time.
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

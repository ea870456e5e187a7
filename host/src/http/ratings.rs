//! `/ratings` and a case's rating (好差评, 第二十五条): the applicant rates after delivery —
//! online for themselves, or at the window's rating pad, where the clerk's terminal sends what
//! the applicant pressed — and everyone may read the satisfaction of each department and
//! one-thing, never who rated.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::blocking;
use super::cases::{owned, person};
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path};
use crate::app::AppState;
use crate::auth::{Need, Principal, Role};
use crate::ratings::link::LinkError;
use crate::ratings::{Aggregate, NewRating, REASONS, Rating, RatingChannel};
use crate::workflow::Case;

/// Whose rating the caller gives or reads, and through which channel: an applicant's caller
/// for its person, the window's clerk for the case's applicant at the rating pad.
fn rater(principal: &Principal, case: &Case) -> Result<(String, RatingChannel), ApiError> {
    match principal.role {
        Role::Clerk => Ok((case.applicant.id_number.clone(), RatingChannel::Window)),
        _ => {
            owned(principal, case)?;
            Ok((person(principal)?.to_owned(), RatingChannel::Online))
        }
    }
}

/// A rating as answered: the rater's hash stays in the store.
fn shown(mut rating: Rating) -> Rating {
    rating.rater.clear();
    rating
}

/// POST /api/v1/cases/{id}/rating — the applicant (online) or the window (rating pad): rates
/// the case after delivery, or changes the rating within the days allowed.
#[utoipa::path(post, path = "/cases/{id}/rating", tag = "ratings",
    summary = "Rate a delivered case (好差评): the whole one-thing and, if wished, each matter",
    params(("id" = String, Path, description = "the case number")),
    request_body = NewRating,
    responses(
        (status = 200, description = "the rating as kept", body = Rating),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
        (status = 409, description = "`not_delivered`, `rating_closed`: the days to change it are over, `conflict`", body = ErrorBody),
        (status = 422, description = "`rating_invalid`", body = ErrorBody),
    ))]
pub async fn rate(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<NewRating>,
) -> Result<Json<Rating>, ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?.clone();
    blocking(move || {
        let case = app.workflow.case(&id)?;
        let (person, channel) = rater(&principal, &case)?;
        Ok(shown(app.ratings.rate(&case, &person, channel, input)?))
    })
    .await
    .map(Json)
}

/// GET /api/v1/cases/{id}/rating — the applicant's own rating of the case (or, at the window,
/// the applicant's).
#[utoipa::path(get, path = "/cases/{id}/rating", tag = "ratings",
    summary = "The applicant's rating of the case",
    params(("id" = String, Path, description = "the case number")),
    responses(
        (status = 200, description = "the rating", body = Rating),
        (status = 404, description = "`unknown_case`, `no_rating`", body = ErrorBody),
    ))]
pub async fn show(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Rating>, ApiError> {
    let principal = caller.need(Need::ClerkOrApplicant)?.clone();
    blocking(move || {
        let case = app.workflow.case(&id)?;
        let (person, _) = rater(&principal, &case)?;
        app.ratings
            .rating_of(&case.id, &person)?
            .map(shown)
            .ok_or_else(|| {
                ApiError::not_found(
                    "no_rating",
                    "该办件还没有评价",
                    "the case has not been rated",
                )
            })
    })
    .await
    .map(Json)
}

/// GET /api/v1/ratings/reasons — public: the reasons a rating may give.
#[utoipa::path(get, path = "/ratings/reasons", tag = "ratings",
    summary = "The reasons a rating may tick",
    responses((status = 200, description = "the reasons", body = Vec<String>)))]
pub async fn reasons() -> Json<Vec<&'static str>> {
    Json(REASONS.to_vec())
}

/// GET /api/v1/ratings/summary — public: satisfaction per one-thing and per department, as
/// counted when ratings were given. No rater appears.
#[utoipa::path(get, path = "/ratings/summary", tag = "ratings",
    summary = "Satisfaction per one-thing and per department (满意率 = 非常满意, 满意 and 基本满意 among all)",
    responses((status = 200, description = "one entry per one-thing and department rated", body = Vec<Aggregate>)))]
pub async fn summary(State(app): State<AppState>) -> Result<Json<Vec<Aggregate>>, ApiError> {
    blocking(move || {
        let departments = app.catalog.departments()?;
        let mut out = Vec::new();
        for (group, tally) in app.ratings.aggregates()? {
            let Some((kind, code)) = group.split_once(':') else {
                continue;
            };
            let name = match kind {
                "department" => departments.get(code).map(|d| d.name.clone()),
                _ => app.catalog.one_thing(code)?.map(|o| o.name),
            }
            .unwrap_or_else(|| code.to_owned());
            if tally.total() == 0 {
                continue;
            }
            out.push(Aggregate {
                kind: kind.to_owned(),
                code: code.to_owned(),
                name,
                ratings: tally.total(),
                satisfaction: tally.satisfaction(),
                levels: tally.levels,
            });
        }
        Ok(out)
    })
    .await
    .map(Json)
}

/// What a rating link shows before the rating: the case's one-thing and matters, and the
/// rating already given through it, if any — nothing about the applicant.
#[derive(Serialize, ToSchema)]
pub struct LinkedCase {
    case_id: String,
    one_thing_name: String,
    matters: Vec<LinkedMatter>,
    /// The last day the link works.
    #[schema(value_type = String, format = Date)]
    last_day: lianban_sdk::Date,
    rating: Option<Rating>,
}

#[derive(Serialize, ToSchema)]
pub struct LinkedMatter {
    matter: String,
    name: String,
}

/// The case a link names, or the error that says why it does not work. A link the host did
/// not make answers as if there were nothing there.
fn linked(
    app: &AppState,
    token: &str,
) -> Result<(std::sync::Arc<Case>, lianban_sdk::Date), ApiError> {
    let today = app.clock.today();
    let (case_id, last_day) = app
        .ratings
        .links
        .verify(token, today)
        .map_err(|e| match e {
            LinkError::Invalid => ApiError::not_found(
                "unknown_link",
                "评价链接无效，请核对短信中的链接",
                "the rating link is not valid",
            ),
            LinkError::Expired(day) => ApiError::new(
                StatusCode::GONE,
                "link_expired",
                format!("评价链接已于 {day} 失效，可登录网上办事或到窗口评价"),
                e.to_string(),
            ),
        })?;
    let case = app.workflow.case(&case_id)?;
    Ok((case, last_day))
}

/// GET /api/v1/rating-links/{token} — public: the case a texted rating link is for.
#[utoipa::path(get, path = "/rating-links/{token}", tag = "ratings",
    summary = "The case an SMS rating link names (no personal data), and the rating given through it",
    params(("token" = String, Path, description = "the link's token, as texted")),
    responses(
        (status = 200, description = "the case to rate", body = LinkedCase),
        (status = 404, description = "`unknown_link`", body = ErrorBody),
        (status = 410, description = "`link_expired`", body = ErrorBody),
    ))]
pub async fn link(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<LinkedCase>, ApiError> {
    blocking(move || {
        let (case, last_day) = linked(&app, &token)?;
        let rating = app
            .ratings
            .rating_of(&case.id, &case.applicant.id_number)?
            .map(shown);
        Ok(LinkedCase {
            matters: case
                .items
                .iter()
                .map(|i| LinkedMatter {
                    matter: i.matter.clone(),
                    name: i.name.clone(),
                })
                .collect(),
            case_id: case.id.clone(),
            one_thing_name: case.one_thing_name.clone(),
            last_day,
            rating,
        })
    })
    .await
    .map(Json)
}

/// POST /api/v1/rating-links/{token} — public: the applicant rates through the texted link,
/// as they would online; one rating per case and person, changeable within the days allowed.
#[utoipa::path(post, path = "/rating-links/{token}", tag = "ratings",
    summary = "Rate a delivered case through its SMS link (好差评)",
    params(("token" = String, Path, description = "the link's token, as texted")),
    request_body = NewRating,
    responses(
        (status = 200, description = "the rating as kept", body = Rating),
        (status = 404, description = "`unknown_link`", body = ErrorBody),
        (status = 409, description = "`not_delivered`, `rating_closed`, `conflict`", body = ErrorBody),
        (status = 410, description = "`link_expired`", body = ErrorBody),
        (status = 422, description = "`rating_invalid`", body = ErrorBody),
    ))]
pub async fn rate_by_link(
    State(app): State<AppState>,
    Path(token): Path<String>,
    JsonBody(input): JsonBody<NewRating>,
) -> Result<Json<Rating>, ApiError> {
    blocking(move || {
        let (case, _) = linked(&app, &token)?;
        let person = case.applicant.id_number.clone();
        Ok(shown(app.ratings.rate(
            &case,
            &person,
            RatingChannel::Sms,
            input,
        )?))
    })
    .await
    .map(Json)
}

/// A delivered case's rating link, for the window to show as a QR code.
#[derive(Serialize, ToSchema)]
pub struct RatingLink {
    link: String,
    #[schema(value_type = String, format = Date)]
    last_day: lianban_sdk::Date,
}

/// GET /api/v1/cases/{id}/rating-link — the window: the signed rating link of a delivered
/// case, which the window shows as a QR code for the applicant's phone (the link texted at
/// delivery, made again).
#[utoipa::path(get, path = "/cases/{id}/rating-link", tag = "ratings",
    summary = "The signed rating link of a delivered case, for the window's QR code",
    params(("id" = String, Path, description = "the case number")),
    responses(
        (status = 200, description = "the link", body = RatingLink),
        (status = 404, description = "`unknown_case`, `no_public_url`: the host has no public address to link to", body = ErrorBody),
        (status = 409, description = "`not_delivered`", body = ErrorBody),
    ))]
pub async fn rating_link(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RatingLink>, ApiError> {
    blocking(move || {
        let case = app.workflow.case(&id)?;
        if !matches!(
            case.status,
            crate::workflow::CaseStatus::Delivered | crate::workflow::CaseStatus::Archived
        ) {
            return Err(crate::ratings::RatingError::NotYet.into());
        }
        let today = app.clock.today();
        let link = app.ratings.links.link(&case.id, today).ok_or_else(|| {
            ApiError::not_found(
                "no_public_url",
                "平台未配置对外地址（--public-url），无法生成评价链接",
                "the host has no public address (--public-url) to put in a rating link",
            )
        })?;
        let last_day = today.add_days(app.ratings.links.days).unwrap_or(today);
        Ok(RatingLink { link, last_day })
    })
    .await
    .map(Json)
}

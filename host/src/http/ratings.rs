//! `/ratings` and a case's rating (好差评, 第二十五条): the applicant rates after delivery —
//! online for themselves, or at the window's rating pad, where the clerk's terminal sends what
//! the applicant pressed — and everyone may read the satisfaction of each department and
//! one-thing, never who rated.

use axum::Json;
use axum::extract::State;

use super::blocking;
use super::cases::{owned, person};
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path};
use crate::app::AppState;
use crate::auth::{Need, Principal, Role};
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

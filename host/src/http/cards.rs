//! The cards of 电子监察: the bureau's list, a department's written explanation of a red card,
//! and the duty phone each department is texted on.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cases::{actor, command};
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path, Query};
use super::idempotency::Idempotent;
use super::{blocking, with_slot};
use crate::app::AppState;
use crate::auth::Need;
use crate::store::WebhookStore;
use crate::workflow::model::{Card, CardLevel};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CardsQuery {
    /// Only `yellow` or only `red` cards.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    level: Option<CardLevel>,
    /// Only red cards still waiting for their department's explanation.
    #[serde(default)]
    unexplained: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CardEntry {
    case_id: String,
    one_thing_name: String,
    card: Card,
}

/// GET /api/v1/supervision/cards — the bureau: the cards on open cases, newest first.
#[utoipa::path(get, path = "/supervision/cards", tag = "supervision",
    summary = "The yellow and red cards of 电子监察 on open cases, newest first",
    params(CardsQuery),
    responses((status = 200, description = "the cards", body = Vec<CardEntry>)))]
pub async fn list(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<CardsQuery>,
) -> Result<Json<Vec<CardEntry>>, ApiError> {
    caller.need(Need::Admin)?;
    blocking(move || {
        let mut out = Vec::new();
        for case in app.workflow.open_cases()? {
            for card in &case.cards {
                if q.level.is_some_and(|l| l != card.level)
                    || (q.unexplained
                        && (card.level != CardLevel::Red || card.explanation.is_some()))
                {
                    continue;
                }
                out.push(CardEntry {
                    case_id: case.id.clone(),
                    one_thing_name: case.one_thing_name.clone(),
                    card: card.clone(),
                });
            }
        }
        out.sort_by(|a, b| b.card.raised_at.cmp(&a.card.raised_at));
        Ok(out)
    })
    .await
    .map(Json)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplanationBody {
    /// Why the clock ran over, in writing (1–2,000 characters).
    text: String,
}

/// POST /api/v1/cases/{id}/cards/{clock}/explanation — the department whose clock ran over:
/// its written explanation of the red card, kept with the case and on its audit trail.
#[utoipa::path(post, path = "/cases/{id}/cards/{clock}/explanation", tag = "supervision",
    summary = "A department's written explanation of a red card on its clock",
    params(("id" = String, Path, description = "the case number"),
           ("clock" = String, Path, description = "the card's clock, e.g. `decision:birth-registration`")),
    request_body = ExplanationBody,
    responses(
        (status = 200, description = "the case as committed", body = super::cases::CaseView),
        (status = 403, description = "`forbidden`: the card is another department's", body = ErrorBody),
        (status = 404, description = "`unknown_case`", body = ErrorBody),
        (status = 422, description = "`invalid_command`: no such red card, or explained already; `reason_required`", body = ErrorBody),
    ))]
pub async fn explain(
    State(app): State<AppState>,
    caller: Caller,
    Idempotent(first): Idempotent,
    Path((id, clock)): Path<(String, String)>,
    JsonBody(body): JsonBody<ExplanationBody>,
) -> Result<Response, ApiError> {
    let principal = caller.need(Need::Department)?.clone();
    if body.text.chars().count() > 2_000 {
        return Err(ApiError::unprocessable(
            "explanation_too_long",
            "说明不超过 2000 字",
            "an explanation has at most 2,000 characters",
        ));
    }
    let department = principal.department().unwrap_or_default().to_owned();
    with_slot(app, move |app| {
        command(app, first, StatusCode::OK, |remember| {
            app.workflow.explain_card(
                &actor(&principal),
                &department,
                &id,
                &clock,
                &body.text,
                remember,
            )
        })
    })
    .await
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyPhone {
    /// The mobile the department's cards are texted to (值班电话).
    #[schema(example = "13912345678")]
    mobile: String,
}

/// PUT /api/v1/departments/{code}/duty-phone — admin: the mobile a department's cards of
/// 电子监察 are texted to.
#[utoipa::path(put, path = "/departments/{code}/duty-phone", tag = "supervision",
    summary = "The mobile a department's yellow and red cards are texted to",
    params(("code" = String, Path, description = "the department's code")),
    request_body = DutyPhone,
    responses(
        (status = 200, description = "saved", body = DutyPhone),
        (status = 404, description = "`unknown_department`", body = ErrorBody),
        (status = 422, description = "`invalid_mobile`", body = ErrorBody),
    ))]
pub async fn set_duty_phone(
    State(app): State<AppState>,
    Path(code): Path<String>,
    JsonBody(phone): JsonBody<DutyPhone>,
) -> Result<Json<DutyPhone>, ApiError> {
    let mobile = phone.mobile.trim().to_owned();
    if lianban_sdk::validate::parse_mobile(&mobile).is_err() {
        return Err(ApiError::unprocessable(
            "invalid_mobile",
            "值班电话应为 11 位手机号码",
            "the duty phone must be an 11-digit mobile number",
        ));
    }
    blocking(move || {
        if !app.catalog.departments()?.contains_key(&code) {
            return Err(ApiError::not_found(
                "unknown_department",
                format!("没有部门“{code}”"),
                format!("no department {code}"),
            ));
        }
        app.store.put_duty_phone(&code, &mobile)?;
        Ok(DutyPhone { mobile })
    })
    .await
    .map(Json)
}

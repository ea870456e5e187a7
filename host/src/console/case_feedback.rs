//! What is said about a case from its page: a department's written explanation of a red
//! card (电子监察), the applicant's rating or the one pressed on the window's pad (好差评, with
//! the QR code of the case's rating link), a complaint (投诉) and the applicant's appeal.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::segment;
use super::cases::case_page;
use super::form::Entry;
use super::{Api, Done, Visitor, signed_in};

/// `link` as a QR code in SVG, dark on light, large enough to scan from a counter.
pub(super) fn qr_svg(link: &str) -> Option<String> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[derive(Deserialize)]
pub struct ExplainForm {
    csrf: String,
    clock: String,
    text: String,
}

/// A department's written explanation of a red card on its clock (电子监察).
pub async fn explain_card(
    State(api): State<Api>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<ExplainForm>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let at = format!(
        "/cases/{}/cards/{}/explanation",
        segment(&id),
        segment(&form.clock)
    );
    let body = json!({ "text": form.text });
    match api.post(&me.writing(&form.csrf), &at, &body).await {
        Ok(_) => {
            Redirect::to(&format!("/console/cases/{}?done=explain", segment(&id))).into_response()
        }
        Err(f) => case_page(&api, &me, &id, &Done::default(), None, Some(f)).await,
    }
}

#[derive(Deserialize)]
pub struct LoopForm {
    csrf: String,
    text: String,
    /// The record appealed; none for a new complaint.
    #[serde(default)]
    record: Option<u64>,
}

/// A complaint about the case (投诉), or the applicant's appeal of a record not upheld.
pub async fn complain(
    State(api): State<Api>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<LoopForm>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let (at, done) = match form.record {
        Some(record) => (format!("/rectifications/{record}/appeal"), "appeal"),
        None => (format!("/cases/{}/complaint", segment(&id)), "complain"),
    };
    let body = json!({ "text": form.text });
    match api.post(&me.writing(&form.csrf), &at, &body).await {
        Ok(_) => {
            Redirect::to(&format!("/console/cases/{}?done={done}", segment(&id))).into_response()
        }
        Err(f) => case_page(&api, &me, &id, &Done::default(), None, Some(f)).await,
    }
}

/// The API's rating from the rating form's fields, and the form as posted.
pub(super) fn rating_body(pairs: Vec<(String, String)>) -> (Entry, Value) {
    let matters: Map<String, Value> = pairs
        .iter()
        .filter_map(|(k, v)| {
            let matter = k.strip_prefix("matter.")?;
            (!v.is_empty()).then(|| (matter.to_owned(), Value::from(v.as_str())))
        })
        .collect();
    let reasons: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "reasons")
        .map(|(_, v)| v.clone())
        .collect();
    let form = Entry::from_pairs(pairs);
    let comment = form.get("comment").trim();
    let body = json!({
        "overall": form.get("overall"),
        "matters": matters,
        "reasons": reasons,
        "comment": if comment.is_empty() { Value::Null } else { Value::from(comment) },
    });
    (form, body)
}

/// A rating from the case's page (好差评): the applicant's own, or pressed on the window's pad.
pub async fn rate(
    State(api): State<Api>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let (form, body) = rating_body(pairs);
    let at = format!("/cases/{}/rating", segment(&id));
    match api.post(&me.writing(form.get("csrf")), &at, &body).await {
        Ok(_) => {
            Redirect::to(&format!("/console/cases/{}?done=rate", segment(&id))).into_response()
        }
        Err(f) => case_page(&api, &me, &id, &Done::default(), None, Some(f)).await,
    }
}

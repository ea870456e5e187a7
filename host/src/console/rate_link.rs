//! The page an SMS rating link opens (好差评 by SMS, 第二十五条): no sign-in — the signed link
//! is the proof — a phone-sized rating form, and a thank-you. The API decides everything; a
//! link that is altered or expired gets its words on this page.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde_json::Value;

use super::api::segment;
use super::applicant::maybe_signed_in;
use super::case_feedback::rating_body;
use super::render::page_with;
use super::{Api, Done, Failure, Visitor, problem};

async fn form_page(
    api: &Api,
    visitor: &Visitor,
    token: &str,
    failure: Option<Failure>,
    done: &str,
) -> Response {
    let me = maybe_signed_in(api, visitor).await;
    let at = format!("/rating-links/{}", segment(token));
    let linked = match api.get(&visitor.anonymous(), &at).await {
        Ok(v) => v,
        Err(f) => return problem(None, &f),
    };
    let reasons = api
        .get(&visitor.anonymous(), "/ratings/reasons")
        .await
        .unwrap_or(Value::Null);
    let status = failure.as_ref().map_or(StatusCode::OK, Failure::status);
    page_with(
        status,
        "rate.html",
        context! { me => me, linked => linked, reasons => reasons, token => token,
        failure => failure, done => done },
    )
}

pub async fn show(
    State(api): State<Api>,
    visitor: Visitor,
    Path(token): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    form_page(&api, &visitor, &token, None, &done.done).await
}

pub async fn rate(
    State(api): State<Api>,
    visitor: Visitor,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (_, body) = rating_body(pairs);
    let at = format!("/rating-links/{}", segment(&token));
    match api.post(&visitor.anonymous(), &at, &body).await {
        Ok(_) => {
            Redirect::to(&format!("/console/rate/{}?done=rate", segment(&token))).into_response()
        }
        Err(f) => form_page(&api, &visitor, &token, Some(f), "").await,
    }
}

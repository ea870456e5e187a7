//! The window workbench (综合窗口, 第十条): choose a one-thing, fill its one form, pre-check it,
//! take the case in and print the receipt (第十四条).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::Value;

use super::api::segment;
use super::apply::{self, Desk};
use super::form::Entry;
use super::posted::Posted;
use super::render::{page, page_with};
use super::{Api, Failure, Me, Visitor, problem, signed_in_as};

/// The window's pages are for the window's clerks.
async fn clerk(api: &Api, visitor: Visitor) -> Result<Me, Response> {
    signed_in_as(api, visitor, Me::is_clerk, "综合窗口").await
}

pub async fn home(State(api): State<Api>, visitor: Visitor) -> Response {
    let me = match clerk(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    match api.get(&me.visitor, "/one-things").await {
        Ok(one_things) => page(
            "window.html",
            context! { me => me.session, one_things => one_things },
        ),
        Err(f) => problem(Some(&me), &f),
    }
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct FindQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    one_thing: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// Finds cases through `GET /cases`; a case number that names one case opens it.
pub async fn find(
    State(api): State<Api>,
    visitor: Visitor,
    Query(query): Query<FindQuery>,
) -> Response {
    let me = match clerk(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    // Only what was filled in: an empty status or day is no condition, not a malformed one.
    let given: Vec<(&str, &str)> = [
        ("number", &query.number),
        ("id_number", &query.id_number),
        ("one_thing", &query.one_thing),
        ("status", &query.status),
        ("from", &query.from),
        ("to", &query.to),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.trim()))
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let params = serde_urlencoded::to_string(&given).unwrap_or_default();
    let found = api.get(&me.visitor, &format!("/cases?{params}")).await;
    if let Ok(Value::Array(list)) = &found
        && list.len() == 1
        && list[0]["id"] == query.number.trim()
    {
        return Redirect::to(&format!("/console/cases/{}", segment(query.number.trim())))
            .into_response();
    }
    let one_things = match api.get(&me.visitor, "/one-things").await {
        Ok(v) => v,
        Err(f) => return problem(Some(&me), &f),
    };
    let (found, find_error) = match found {
        Ok(list) => (Some(list), None),
        Err(f) => (None, Some(f)),
    };
    let status = find_error.as_ref().map_or(StatusCode::OK, Failure::status);
    page_with(
        status,
        "window.html",
        context! { me => me.session, one_things => one_things, q => query, found => found, find_error => find_error },
    )
}

/// The one-thing's merged form and checklist, empty.
pub async fn form(State(api): State<Api>, visitor: Visitor, Path(code): Path<String>) -> Response {
    let me = match clerk(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    apply::form_page(
        &api,
        &me,
        Desk::Window,
        &code,
        &Entry::default(),
        None,
        None,
    )
    .await
}

/// A pre-check (`op=precheck`) or the intake itself (`op=intake`).
pub async fn submit(
    State(api): State<Api>,
    visitor: Visitor,
    Path(code): Path<String>,
    posted: Result<Posted, Failure>,
) -> Response {
    let me = match clerk(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    apply::submit(&api, &me, Desk::Window, &code, posted).await
}

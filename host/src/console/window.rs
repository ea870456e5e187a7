//! The window workbench (综合窗口, 第十条): choose a one-thing, fill its one form, pre-check it,
//! take the case in and print the receipt (第十四条).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::segment;
use super::form::{Entry, errors_by_input};
use super::render::{page, page_with};
use super::{Api, Failure, Me, Visitor, problem, signed_in};

/// The window's pages are for the window's clerks.
async fn clerk(api: &Api, visitor: Visitor) -> Result<Me, Response> {
    let me = signed_in(api, visitor).await?;
    if me.is_clerk() {
        Ok(me)
    } else {
        Err(me.refused("综合窗口"))
    }
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

#[derive(Deserialize)]
pub struct FindQuery {
    #[serde(default)]
    q: String,
}

/// Finds a case by its number. (Searching by applicant, one-thing, status and dates needs a
/// search endpoint the API does not have yet.)
pub async fn find(
    State(api): State<Api>,
    visitor: Visitor,
    Query(query): Query<FindQuery>,
) -> Response {
    let me = match clerk(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let q = query.q.trim();
    match api
        .get(&me.visitor, &format!("/cases/{}", segment(q)))
        .await
    {
        Ok(_) => Redirect::to(&format!("/console/cases/{}", segment(q))).into_response(),
        Err(f) => match api.get(&me.visitor, "/one-things").await {
            Ok(one_things) => page_with(
                f.status(),
                "window.html",
                context! { me => me.session, one_things => one_things, q => q, find_error => f },
            ),
            Err(f) => problem(Some(&me), &f),
        },
    }
}

/// The one-thing's merged form and checklist, empty.
pub async fn form(State(api): State<Api>, visitor: Visitor, Path(code): Path<String>) -> Response {
    let me = match clerk(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    apply_page(
        &api,
        &me,
        &code,
        &Entry::default(),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// A pre-check (`op=precheck`) or the intake itself (`op=intake`).
pub async fn submit(
    State(api): State<Api>,
    visitor: Visitor,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let me = match clerk(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let entry = Entry::from_pairs(pairs);
    let writer = me.writing(entry.get("csrf"));
    if entry.get("op") == "intake" {
        let body = json!({
            "one_thing": code,
            "channel": "window",
            "applicant": entry.applicant(),
            "fields": entry.fields(),
            "materials": entry.case_materials(),
            "delivery": entry.delivery(),
        });
        return match api.post(&writer, "/cases", &body).await {
            Ok(case) => {
                let id = segment(case["id"].as_str().unwrap_or_default());
                Redirect::to(&format!("/console/cases/{id}?done=intake")).into_response()
            }
            Err(f) => {
                let status = f.status();
                apply_page(&api, &me, &code, &entry, None, Some(f), status).await
            }
        };
    }
    let body = json!({
        "one_thing": code,
        "channel": "window",
        "fields": entry.fields(),
        "materials": entry.materials(),
    });
    match api.post(&writer, "/prechecks", &body).await {
        Ok(report) => {
            apply_page(&api, &me, &code, &entry, Some(report), None, StatusCode::OK).await
        }
        Err(f) => {
            let status = f.status();
            apply_page(&api, &me, &code, &entry, None, Some(f), status).await
        }
    }
}

/// The form page with what was typed, the pre-check's report and any refusal next to the
/// input it concerns.
pub async fn apply_page(
    api: &Api,
    me: &Me,
    code: &str,
    entry: &Entry,
    report: Option<Value>,
    failure: Option<Failure>,
    status: StatusCode,
) -> Response {
    let one_thing = match api
        .get(&me.visitor, &format!("/one-things/{}", segment(code)))
        .await
    {
        Ok(v) => v,
        Err(f) => return problem(Some(me), &f),
    };
    let errors = errors_by_input(report.as_ref(), failure.as_ref());
    page_with(
        status,
        "apply.html",
        context! {
            me => me.session,
            one_thing => one_thing,
            values => entry.values(),
            errors => errors,
            report => report,
            failure => failure,
            action => format!("/console/window/apply/{}", segment(code)),
        },
    )
}

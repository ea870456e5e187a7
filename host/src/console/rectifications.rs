//! The 差评 loop in the console (第二十五条): the bureau verifies each record and records its
//! callback; the responsible department reports its rectification. One page for both, showing
//! what the API shows each role.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::render::page_with;
use super::{Api, Done, Failure, Me, Visitor, problem, signed_in_as};

async fn people(api: &Api, visitor: Visitor) -> Result<Me, Response> {
    signed_in_as(
        api,
        visitor,
        |me| me.role() == "admin" || me.department().is_some(),
        "政务服务管理机构和部门",
    )
    .await
}

pub async fn show(State(api): State<Api>, visitor: Visitor, Query(done): Query<Done>) -> Response {
    let me = match people(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    list(&api, &me, None, &done.done).await
}

async fn list(api: &Api, me: &Me, failure: Option<Failure>, done: &str) -> Response {
    let records = match api.get(&me.visitor, "/rectifications").await {
        Ok(v) => v,
        Err(f) => return problem(Some(me), &f),
    };
    let status = failure.as_ref().map_or(StatusCode::OK, Failure::status);
    page_with(
        status,
        "rectifications.html",
        context! { me => me.session, department => me.department(), records => records,
        failure => failure, done => done },
    )
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: String,
    action: String,
    #[serde(default)]
    upheld: String,
    #[serde(default)]
    responsible_department: String,
    #[serde(default)]
    responsible_person: String,
    #[serde(default)]
    text: String,
}

/// One step of the loop: `verify` or `callback` by the bureau, `rectify` by the department.
pub async fn step(
    State(api): State<Api>,
    visitor: Visitor,
    Path(id): Path<u64>,
    Form(form): Form<StepForm>,
) -> Response {
    let me = match people(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let optional = |s: &str| {
        let s = s.trim();
        if s.is_empty() {
            Value::Null
        } else {
            Value::from(s)
        }
    };
    let (path, body) = match form.action.as_str() {
        "verify" => (
            "verification",
            json!({
                "upheld": form.upheld == "yes",
                "responsible_department": optional(&form.responsible_department),
                "responsible_person": optional(&form.responsible_person),
                "reason": form.text,
            }),
        ),
        "rectify" => ("rectification", json!({ "text": form.text })),
        "callback" => ("callback", json!({ "text": form.text })),
        _ => {
            let f = Failure::new(400, "unknown_action", "不认识的操作");
            return list(&api, &me, Some(f), "").await;
        }
    };
    let at = format!("/rectifications/{id}/{path}");
    match api.post(&me.writing(&form.csrf), &at, &body).await {
        Ok(_) => {
            Redirect::to(&format!("/console/rectifications?done={}", form.action)).into_response()
        }
        Err(f) => list(&api, &me, Some(f), "").await,
    }
}

//! The bureau's administration (第十九条): the supervision clocks, the catalog's drafts and
//! filings, the calendar years, the staff directory and machine tokens, the sent log and the
//! dead letters. Each tab is one or two API reads; each command one API call.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::segment;
use super::render::page_with;
use super::{Api, Done, Failure, Me, Visitor, problem, signed_in_as};

/// The tabs, in the order the page shows them: (path segment, title, API reads).
const TABS: &[(&str, &str, &[&str])] = &[
    ("supervision", "监察计时", &["/supervision/clocks"]),
    (
        "catalog",
        "事项清单",
        &["/catalog/drafts", "/catalog/batches"],
    ),
    ("calendar", "工作日历", &["/calendar"]),
    ("staff", "人员与令牌", &["/staff", "/tokens"]),
    ("outbox", "消息发送", &["/outbox/sent", "/outbox/dead"]),
];

async fn admin(api: &Api, visitor: Visitor) -> Result<Me, Response> {
    signed_in_as(api, visitor, |me| me.role() == "admin", "政务服务管理机构").await
}

pub async fn show(
    State(api): State<Api>,
    visitor: Visitor,
    Path(tab): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let me = match admin(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    tab_page(&api, &me, &tab, None, &done.done).await
}

async fn tab_page(api: &Api, me: &Me, tab: &str, failure: Option<Failure>, done: &str) -> Response {
    let Some((_, title, reads)) = TABS.iter().find(|(t, _, _)| *t == tab) else {
        let missing = Failure::new(404, "not_found", "没有这个页面");
        return problem(Some(me), &missing);
    };
    let mut data = Vec::new();
    for path in *reads {
        match api.get(&me.visitor, path).await {
            Ok(v) => data.push(v),
            Err(f) => return problem(Some(me), &f),
        }
    }
    let tabs: Vec<Value> = TABS
        .iter()
        .map(|(t, n, _)| json!({ "tab": t, "title": n }))
        .collect();
    let status = failure
        .as_ref()
        .map_or(axum::http::StatusCode::OK, Failure::status);
    page_with(
        status,
        "bureau.html",
        context! { me => me.session, tab => tab, title => title, tabs => tabs, data => data,
        failure => failure, done => done },
    )
}

#[derive(Deserialize)]
pub struct Command {
    csrf: String,
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    roles: String,
    #[serde(default)]
    reason: String,
}

/// The bureau's commands from its tabs.
pub async fn command(
    State(api): State<Api>,
    visitor: Visitor,
    Path(tab): Path<String>,
    Form(form): Form<Command>,
) -> Response {
    let me = match admin(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let writer = me.writing(&form.csrf);
    let target = segment(form.target.trim());
    let reason = form.reason.trim();
    let result = match form.action.as_str() {
        "put_staff" => {
            let roles: Vec<&str> = form
                .roles
                .split([',', '，', ' ', '、'])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .collect();
            let body = json!({ "name": form.name.trim(), "roles": roles });
            api.put(&writer, &format!("/staff/{target}"), &body).await
        }
        "remove_staff" => api.delete(&writer, &format!("/staff/{target}")).await,
        "revoke_token" => {
            api.post(&writer, &format!("/tokens/{target}/revoke"), &Value::Null)
                .await
        }
        "retry" => {
            api.post(
                &writer,
                &format!("/outbox/dead/{target}/retry"),
                &Value::Null,
            )
            .await
        }
        "approve" | "return" => {
            let body = json!({ "approve": form.action == "approve",
                               "reason": if reason.is_empty() { Value::Null } else { Value::from(reason) } });
            api.post(
                &writer,
                &format!("/catalog/drafts/{target}/decision"),
                &body,
            )
            .await
        }
        _ => Err(Failure::new(400, "unknown_action", "不认识的操作")),
    };
    match result {
        Ok(_) => Redirect::to(&format!(
            "/console/bureau/{}?done={}",
            segment(&tab),
            segment(&form.action)
        ))
        .into_response(),
        Err(f) => tab_page(&api, &me, &tab, Some(f), "").await,
    }
}

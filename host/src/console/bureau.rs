//! The bureau's administration (第十九条): the supervision clocks, the catalog's drafts and
//! filings, the calendar years, the staff directory and machine tokens, the sent log and the
//! dead letters. Each tab is one or two API reads; each command one API call.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde_json::{Value, json};

use super::api::segment;
use super::posted::Posted;
use super::render::page_with;
use super::{Api, Failure, Me, Visitor, problem, signed_in_as};

/// The tabs, in the order the page shows them: (path segment, title, API reads).
const TABS: &[(&str, &str, &[&str])] = &[
    (
        "supervision",
        "监察预警",
        &["/supervision/clocks", "/supervision/cards"],
    ),
    // Read with the period the page asks for (see `tab_page`).
    ("figures", "统计通报", &["/supervision/figures"]),
    (
        "catalog",
        "事项清单",
        &["/catalog/drafts", "/catalog/batches"],
    ),
    ("calendar", "工作日历", &["/calendar"]),
    ("staff", "人员与令牌", &["/staff", "/tokens"]),
    ("outbox", "消息发送", &["/outbox/sent", "/outbox/dead"]),
];

pub(super) async fn admin(api: &Api, visitor: Visitor) -> Result<Me, Response> {
    signed_in_as(api, visitor, |me| me.role() == "admin", "政务服务管理机构").await
}

/// The page's own query: what a command left done, and the figures' period and grouping.
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct TabQuery {
    #[serde(default, skip_serializing)]
    done: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    by: String,
}

pub async fn show(
    State(api): State<Api>,
    visitor: Visitor,
    Path(tab): Path<String>,
    Query(query): Query<TabQuery>,
) -> Response {
    let me = match admin(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    tab_page_with(&api, &me, &tab, None, &query).await
}

async fn tab_page(api: &Api, me: &Me, tab: &str, failure: Option<Failure>, done: &str) -> Response {
    let query = TabQuery {
        done: done.to_owned(),
        ..TabQuery::default()
    };
    tab_page_with(api, me, tab, failure, &query).await
}

async fn tab_page_with(
    api: &Api,
    me: &Me,
    tab: &str,
    failure: Option<Failure>,
    query: &TabQuery,
) -> Response {
    let Some((_, title, reads)) = TABS.iter().find(|(t, _, _)| *t == tab) else {
        let missing = Failure::new(404, "not_found", "没有这个页面");
        return problem(Some(me), &missing);
    };
    let period = serde_urlencoded::to_string(query).unwrap_or_default();
    let mut data = Vec::new();
    let mut failure = failure;
    for path in *reads {
        let path = if *path == "/supervision/figures" {
            format!("{path}?{period}")
        } else {
            (*path).to_owned()
        };
        match api.get(&me.visitor, &path).await {
            Ok(v) => data.push(v),
            // A period the API refuses is said next to the form that asked for it.
            Err(f) if f.status == 422 => {
                data.push(Value::Null);
                failure = Some(f);
            }
            Err(f) => return problem(Some(me), &f),
        }
    }
    let done = query.done.as_str();
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
        failure => failure, done => done, q => query },
    )
}

/// The bureau's commands from its tabs. Most end on the tab again with "done"; issuing or
/// rotating a token ends on a page that shows the secret, once (the host keeps only its hash).
pub async fn command(
    State(api): State<Api>,
    visitor: Visitor,
    Path(tab): Path<String>,
    posted: Result<Posted, Failure>,
) -> Response {
    let me = match admin(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let mut form = match posted {
        Ok(form) => form,
        Err(f) => return tab_page(&api, &me, &tab, Some(f), "").await,
    };
    let writer = me.writing(form.get("csrf"));
    let target = segment(form.get("target").trim());
    let reason = form.get("reason").trim();
    let action = form.get("action").to_owned();
    let result = match action.as_str() {
        "put_staff" => {
            let roles: Vec<&str> = form
                .get("roles")
                .split([',', '，', ' ', '、'])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .collect();
            let body = json!({ "name": form.get("name").trim(), "roles": roles });
            api.put(&writer, &format!("/staff/{target}"), &body).await
        }
        "remove_staff" => api.delete(&writer, &format!("/staff/{target}")).await,
        "revoke_token" => {
            api.post(&writer, &format!("/tokens/{target}/revoke"), &Value::Null)
                .await
        }
        "issue_token" | "rotate_token" => {
            let issued = if action == "issue_token" {
                match whole_number(form.get("expires_in_days"), "有效天数") {
                    Ok(days) => {
                        let body = json!({
                            "name": form.get("name").trim(),
                            "role": form.get("role").trim(),
                            "expires_in_days": days,
                        });
                        api.post(&writer, "/tokens", &body).await
                    }
                    Err(f) => Err(f),
                }
            } else {
                match whole_number(form.get("overlap_minutes"), "新旧令牌并用的分钟数") {
                    Ok(minutes) => {
                        let body = json!({ "overlap_minutes": minutes.unwrap_or(0) });
                        api.post(&writer, &format!("/tokens/{target}/rotate"), &body)
                            .await
                    }
                    Err(f) => Err(f),
                }
            };
            return match issued {
                Ok(issued) => secret_page(&me, &issued),
                Err(f) => tab_page(&api, &me, &tab, Some(f), "").await,
            };
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
            let body = json!({ "approve": action == "approve",
                               "reason": if reason.is_empty() { Value::Null } else { Value::from(reason) } });
            api.post(
                &writer,
                &format!("/catalog/drafts/{target}/decision"),
                &body,
            )
            .await
        }
        "publish" => {
            let one_things: Vec<&str> = form
                .pairs
                .iter()
                .filter(|(k, _)| k == "one_things")
                .map(|(_, v)| v.as_str())
                .collect();
            let body = json!({
                "code": form.get("code").trim(), "name": form.get("name").trim(),
                "effective_on": form.get("effective_on").trim(), "one_things": one_things,
            });
            api.post(&writer, "/catalog/batches", &body).await
        }
        "load_year" => match year_notice(form.take_file("notice")) {
            Ok((year, notice)) => {
                api.put(&writer, &format!("/calendar/{year}"), &notice)
                    .await
            }
            Err(f) => Err(f),
        },
        _ => Err(Failure::new(400, "unknown_action", "不认识的操作")),
    };
    match result {
        Ok(_) => Redirect::to(&format!(
            "/console/bureau/{}?done={}",
            segment(&tab),
            segment(&action)
        ))
        .into_response(),
        Err(f) => tab_page(&api, &me, &tab, Some(f), "").await,
    }
}

/// An optional whole number typed into a form: empty is none, anything else must be one (a
/// typo must not quietly become the default).
fn whole_number(text: &str, what: &str) -> Result<Option<u32>, Failure> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| Failure::new(422, "invalid_number", format!("{what}须为整数：{text}")))
}

/// A year's notice as the bureau loads it: the holiday-cn JSON file of that year, read for its
/// `year` so the page needs no second place to type it. Its content is the API's to judge.
fn year_notice(file: Option<bytes::Bytes>) -> Result<(u64, Value), Failure> {
    let Some(bytes) = file else {
        return Err(Failure::new(
            400,
            "no_file",
            "请选择该年放假安排的 JSON 文件",
        ));
    };
    let notice: Value = serde_json::from_slice(&bytes)
        .map_err(|_| Failure::new(422, "calendar_invalid", "文件不是 JSON 格式的放假安排"))?;
    let year = notice["year"]
        .as_u64()
        .ok_or_else(|| Failure::new(422, "calendar_invalid", "文件中没有年份（year）"))?;
    Ok((year, notice))
}

/// The new secret, on a page of its own that no cache keeps: the one time anyone sees it.
fn secret_page(me: &Me, issued: &Value) -> Response {
    let mut page = page_with(
        axum::http::StatusCode::CREATED,
        "token.html",
        context! { me => me.session, issued => issued },
    );
    page.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    page
}

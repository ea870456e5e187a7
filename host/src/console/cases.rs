//! One case, as each role sees it: the window's commands (correction, results, delivery,
//! archive), a department's commands on its own items, an applicant following their case.
//! After each command the page says what deadline it set.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::segment;
use super::apply::{Desk, scanned};
use super::form::{Entry, errors_by_input};
use super::posted::Posted;
use super::render::{page, page_with};
use super::{Api, Done, Failure, Me, Visitor, problem, signed_in};

pub async fn show(
    State(api): State<Api>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    case_page(&api, &me, &id, &done, None, None).await
}

/// The case page; `correction` is what the clerk typed into a correction the API refused.
pub(super) async fn case_page(
    api: &Api,
    me: &Me,
    id: &str,
    done: &Done,
    correction: Option<&Entry>,
    failure: Option<Failure>,
) -> Response {
    let case = match api
        .get(&me.visitor, &format!("/cases/{}", segment(id)))
        .await
    {
        Ok(case) => case,
        Err(f) => return problem(Some(me), &f),
    };
    // The clerk, or the applicant online, corrects an incomplete case with the full values in
    // front of them: the read is recorded as that work (个人信息保护法第六条: only when the
    // work needs it).
    let mut form = None;
    let corrects = me.is_clerk() || me.role() == "citizen";
    if corrects && case["status"] == "incomplete" {
        let full = match api
            .get(&me.visitor, &format!("/cases/{}?full=true", segment(id)))
            .await
        {
            Ok(full) => full,
            Err(f) => return problem(Some(me), &f),
        };
        let code = case["one_thing"].as_str().unwrap_or_default();
        let desk = Desk::of(me);
        let one_thing = match desk.one_thing(api, me, code).await {
            Ok(v) => v,
            Err(f) => return problem(Some(me), &f),
        };
        let entry = correction
            .cloned()
            .unwrap_or_else(|| Entry::from_case(&full));
        let latest = full["notices"].as_array().and_then(|n| n.last()).cloned();
        let errors = errors_by_input(
            latest
                .as_ref()
                .map(|n| json!({ "notice": n["items"] }))
                .as_ref(),
            failure.as_ref(),
        );
        form = Some(context! {
            one_thing => one_thing,
            values => entry.values().clone(),
            errors => errors,
            action => format!("/console/cases/{}/correction", segment(id)),
            online => desk == Desk::Online,
        });
    }
    let names = names_of(api, me, case["one_thing"].as_str().unwrap_or_default()).await;
    // 好差评 after delivery: the applicant online, or the window's rating pad.
    let rates = matches!(me.role(), "citizen" | "clerk")
        && matches!(case["status"].as_str(), Some("delivered" | "archived"));
    let rating = if rates {
        let at = format!("/cases/{}/rating", segment(id));
        let given = api.get(&me.visitor, &at).await.ok();
        let reasons = api
            .get(&me.visitor, "/ratings/reasons")
            .await
            .unwrap_or_default();
        // At the window, the applicant may rather rate on their own phone: the case's signed
        // rating link as a QR code.
        let qr = if me.is_clerk() {
            let at = format!("/cases/{}/rating-link", segment(id));
            match api.get(&me.visitor, &at).await {
                Ok(link) => link["link"].as_str().and_then(super::case_feedback::qr_svg),
                Err(_) => None,
            }
        } else {
            None
        };
        Some(context! { given => given, reasons => reasons, qr => qr })
    } else {
        None
    };
    // 投诉 and the 差评 loop: the applicant follows their records and appeals; the window
    // takes a complaint down for them.
    let complaints = if matches!(me.role(), "citizen" | "clerk") {
        let at = format!("/cases/{}/rectifications", segment(id));
        Some(api.get(&me.visitor, &at).await.unwrap_or_default())
    } else {
        None
    };
    let status = failure.as_ref().map_or(StatusCode::OK, Failure::status);
    page_with(
        status,
        "case.html",
        context! {
            me => me.session,
            department => me.department(),
            case => case,
            names => names,
            rating => rating,
            complaints => complaints,
            form => form,
            failure => failure,
            done => done.done,
            done_matter => done.matter,
        },
    )
}

/// What people call the case's departments and materials, from the one-thing's public guide
/// (a case keeps codes). Without the guide the page shows the codes rather than fail.
async fn names_of(api: &Api, me: &Me, one_thing: &str) -> Value {
    let guide = api
        .get(
            &me.visitor,
            &format!("/one-things/{}/guide", segment(one_thing)),
        )
        .await
        .unwrap_or_default();
    let departments: Map<String, Value> = guide["flow"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["kind"] == "matter")
        .filter_map(|n| Some((n["id"].as_str()?.to_owned(), n["department"].clone())))
        .collect();
    let materials: Map<String, Value> = guide["materials"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| Some((m["code"].as_str()?.to_owned(), m["name"].clone())))
        .collect();
    json!({ "departments": departments, "materials": materials })
}

/// The receipt (收件回执, 第十四条), printable.
pub async fn receipt(State(api): State<Api>, visitor: Visitor, Path(id): Path<String>) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    match api
        .get(&me.visitor, &format!("/cases/{}", segment(id.as_str())))
        .await
    {
        Ok(case) => page("receipt.html", context! { me => me.session, case => case }),
        Err(f) => problem(Some(&me), &f),
    }
}

#[derive(Deserialize)]
pub struct CommandForm {
    csrf: String,
    action: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    tracking_number: String,
}

fn text(value: &str) -> Value {
    let v = value.trim();
    if v.is_empty() {
        Value::Null
    } else {
        Value::from(v)
    }
}

/// The window's commands: receive a result, deliver, archive, confirm an online submission,
/// withdraw.
pub async fn window_action(
    State(api): State<Api>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CommandForm>,
) -> Response {
    let mut body = Map::new();
    body.insert("action".into(), Value::from(form.action.as_str()));
    match form.action.as_str() {
        "receive_result" => {
            body.insert("matter".into(), Value::from(form.matter.as_str()));
        }
        "deliver" => {
            body.insert("tracking_number".into(), text(&form.tracking_number));
        }
        "withdraw" => {
            body.insert("reason".into(), Value::from(form.reason.trim()));
        }
        _ => {}
    }
    command(api, visitor, &id, "window", form, Value::Object(body)).await
}

/// A department's command on its item.
pub async fn item_action(
    State(api): State<Api>,
    visitor: Visitor,
    Path((id, matter)): Path<(String, String)>,
    Form(mut form): Form<CommandForm>,
) -> Response {
    let mut body = Map::new();
    body.insert("action".into(), Value::from(form.action.as_str()));
    match form.action.as_str() {
        "reject" => {
            body.insert("reason".into(), Value::from(form.reason.trim()));
        }
        "suspend" => {
            body.insert("kind".into(), Value::from(form.kind.as_str()));
            body.insert("reason".into(), Value::from(form.reason.trim()));
        }
        _ => {}
    }
    form.matter = matter.clone();
    let path = format!("items/{}", segment(&matter));
    command(api, visitor, &id, &path, form, Value::Object(body)).await
}

async fn command(
    api: Api,
    visitor: Visitor,
    id: &str,
    path: &str,
    form: CommandForm,
    body: Value,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let at = format!("/cases/{}/{path}", segment(id));
    match api.post(&me.writing(&form.csrf), &at, &body).await {
        Ok(_) => Redirect::to(&format!(
            "/console/cases/{}?done={}&matter={}",
            segment(id),
            segment(&form.action),
            segment(&form.matter)
        ))
        .into_response(),
        Err(f) => case_page(&api, &me, id, &Done::default(), None, Some(f)).await,
    }
}

/// The corrected application after a one-time notice (第十四条: 补正).
pub async fn correct(
    State(api): State<Api>,
    visitor: Visitor,
    Path(id): Path<String>,
    posted: Result<Posted, Failure>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let posted = match posted {
        Ok(posted) => posted,
        Err(f) => return case_page(&api, &me, &id, &Done::default(), None, Some(f)).await,
    };
    let (entry, refused) = scanned(&api, &me, posted).await;
    if let Some(f) = refused {
        return case_page(&api, &me, &id, &Done::default(), Some(&entry), Some(f)).await;
    }
    let body = json!({ "fields": entry.fields(), "materials": entry.case_materials() });
    let at = format!("/cases/{}/application", segment(&id));
    match api.put(&me.writing(entry.get("csrf")), &at, &body).await {
        Ok(_) => Redirect::to(&format!("/console/cases/{}?done=correction", segment(&id)))
            .into_response(),
        Err(f) => case_page(&api, &me, &id, &Done::default(), Some(&entry), Some(f)).await,
    }
}

/// A decision with its result document uploaded (第十七条: the result goes back with the
/// decision): the file is stored first (`POST /files`), then the decision names it.
pub async fn decide(
    State(api): State<Api>,
    visitor: Visitor,
    Path((id, matter)): Path<(String, String)>,
    posted: Result<Posted, Failure>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let mut form = match posted {
        Ok(posted) => posted,
        Err(f) => return case_page(&api, &me, &id, &Done::default(), None, Some(f)).await,
    };
    let file = form.take_file("document_file");
    let writer = me.writing(form.get("csrf"));
    let mut body = json!({ "action": "decide", "outcome": form.get("outcome"),
                           "reason": text(form.get("reason")) });
    let name = form.get("document_name").trim();
    if !name.is_empty() || file.is_some() {
        let stored = match file {
            Some(bytes) => {
                match api
                    .post_bytes(&writer, "/files", bytes, "application/octet-stream")
                    .await
                {
                    Ok(stored) => stored["sha256"].clone(),
                    Err(f) => {
                        return case_page(&api, &me, &id, &Done::default(), None, Some(f)).await;
                    }
                }
            }
            None => Value::Null,
        };
        let name = if name.is_empty() {
            "办理结果"
        } else {
            name
        };
        body["documents"] = json!([{ "name": name, "file": stored,
                                     "elicense_number": text(form.get("document_number")) }]);
    }
    let at = format!("/cases/{}/items/{}", segment(&id), segment(&matter));
    match api.post(&writer, &at, &body).await {
        Ok(_) => Redirect::to(&format!(
            "/console/cases/{}?done=decide&matter={}",
            segment(&id),
            segment(&matter)
        ))
        .into_response(),
        Err(f) => case_page(&api, &me, &id, &Done::default(), None, Some(f)).await,
    }
}

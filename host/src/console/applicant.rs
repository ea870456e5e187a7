//! The applicants' side (网上办事): the published one-things and their guides, the
//! consultation (第七条), applying online with the same form and the self-check, and their own
//! cases. Usable on a phone 375 px wide.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::segment;
use super::apply::{self, Desk};
use super::form::Entry;
use super::posted::Posted;
use super::render::{page, page_with};
use super::{Api, Done, Failure, Me, Visitor, problem, signed_in_as};

/// A signed-in citizen, or the way to sign in.
async fn citizen(api: &Api, visitor: Visitor) -> Result<Me, Response> {
    signed_in_as(api, visitor, |me| me.role() == "citizen", "办事群众").await
}

/// The session if there is one: the public pages are open to everyone.
pub(super) async fn maybe_signed_in(api: &Api, visitor: &Visitor) -> Option<Value> {
    api.get(visitor, "/session").await.ok()
}

/// The one-things in effect, as the batches published them (第九条), latest version of each.
pub async fn services(State(api): State<Api>, visitor: Visitor) -> Response {
    let me = maybe_signed_in(&api, &visitor).await;
    let batches = match api.get(&visitor, "/catalog/batches").await {
        Ok(Value::Array(b)) => b,
        Ok(_) => Vec::new(),
        Err(f) => return problem(None, &f),
    };
    let mut services: Vec<Value> = Vec::new();
    for entry in batches
        .iter()
        .flat_map(|b| b["entries"].as_array().cloned().unwrap_or_default())
    {
        match services
            .iter_mut()
            .find(|s| s["one_thing"] == entry["one_thing"])
        {
            Some(known) => *known = entry,
            None => services.push(entry),
        }
    }
    page("services.html", context! { me => me, services => services })
}

pub async fn mine(State(api): State<Api>, visitor: Visitor) -> Response {
    let me = match citizen(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    match api.get(&me.visitor, "/cases/mine").await {
        Ok(cases) => page("mine.html", context! { me => me.session, cases => cases }),
        Err(f) => problem(Some(&me), &f),
    }
}

pub async fn apply_form(
    State(api): State<Api>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Response {
    let me = match citizen(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    apply::form_page(
        &api,
        &me,
        Desk::Online,
        &code,
        &Entry::default(),
        None,
        None,
    )
    .await
}

pub async fn apply_submit(
    State(api): State<Api>,
    visitor: Visitor,
    Path(code): Path<String>,
    posted: Result<Posted, Failure>,
) -> Response {
    let me = match citizen(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    apply::submit(&api, &me, Desk::Online, &code, posted).await
}

/// The consultation: proposals ranked by support, with the bureau's answers.
pub async fn consultation(
    State(api): State<Api>,
    visitor: Visitor,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Response {
    consultation_page(&api, &visitor, &Entry::default(), None, &done.done).await
}

async fn consultation_page(
    api: &Api,
    visitor: &Visitor,
    entry: &Entry,
    failure: Option<Failure>,
    done: &str,
) -> Response {
    let me = maybe_signed_in(api, visitor).await;
    let proposals = match api.get(visitor, "/consultation/proposals").await {
        Ok(p) => p,
        Err(f) => return problem(None, &f),
    };
    let status = failure
        .as_ref()
        .map_or(axum::http::StatusCode::OK, Failure::status);
    page_with(
        status,
        "consultation.html",
        context! { me => me, proposals => proposals, values => entry.values(), failure => failure, done => done },
    )
}

/// A new proposal (anyone may propose; the API limits how often per address).
pub async fn propose(
    State(api): State<Api>,
    visitor: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let entry = Entry::from_pairs(pairs);
    let text = |name: &str| {
        let v = entry.get(name).trim();
        if v.is_empty() {
            Value::Null
        } else {
            Value::from(v)
        }
    };
    let body = json!({
        "kind": if entry.get("kind").is_empty() { "new_one_thing" } else { entry.get("kind") },
        "one_thing": text("one_thing"),
        "title": entry.get("title").trim(),
        "need": entry.get("need").trim(),
        "contact": text("contact"),
    });
    // A proposal needs no session; a signed-in visitor's form still carries its token.
    let writer = visitor.with_csrf(entry.get("csrf"));
    match api.post(&writer, "/consultation/proposals", &body).await {
        Ok(_) => Redirect::to("/console/consultation?done=propose").into_response(),
        Err(f) => consultation_page(&api, &visitor, &entry, Some(f), "").await,
    }
}

#[derive(Deserialize)]
pub struct SupportForm {
    csrf: String,
}

/// A signed-in citizen supports a proposal, once.
pub async fn support(
    State(api): State<Api>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<SupportForm>,
) -> Response {
    let me = match citizen(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let at = format!("/consultation/proposals/{}/supports", segment(&id));
    match api.post(&me.writing(&form.csrf), &at, &json!({})).await {
        Ok(_) => Redirect::to("/console/consultation?done=support").into_response(),
        Err(f) => consultation_page(&api, &me.visitor, &Entry::default(), Some(f), "").await,
    }
}

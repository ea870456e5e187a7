//! The one form, filled at the window (收件, 第十四条) or online by the applicant (网上申报):
//! the same generated form and checklist, the same pre-check; the desk decides where the form
//! comes from, which channel the case takes, and where the applicant goes next.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde_json::{Value, json};

use super::api::segment;
use super::form::{Entry, errors_by_input};
use super::posted::Posted;
use super::render::page_with;
use super::{Api, Failure, Me, problem};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desk {
    /// A clerk at the window.
    Window,
    /// An applicant signed in online.
    Online,
}

impl Desk {
    /// Where `me` fills the form: an applicant online, anyone else at the window.
    pub fn of(me: &Me) -> Desk {
        if me.role() == "citizen" {
            Desk::Online
        } else {
            Desk::Window
        }
    }

    fn channel(self) -> &'static str {
        match self {
            Desk::Window => "window",
            Desk::Online => "online",
        }
    }

    fn action(self, code: &str) -> String {
        match self {
            Desk::Window => format!("/console/window/apply/{}", segment(code)),
            Desk::Online => format!("/console/apply/{}", segment(code)),
        }
    }

    /// The one-thing with its merged form: the window reads the catalog's view, an applicant
    /// the public guide (the same form, generated from the same manifests).
    pub async fn one_thing(self, api: &Api, me: &Me, code: &str) -> Result<Value, Failure> {
        match self {
            Desk::Window => {
                api.get(&me.visitor, &format!("/one-things/{}", segment(code)))
                    .await
            }
            Desk::Online => {
                let guide = api
                    .get(&me.visitor, &format!("/one-things/{}/guide", segment(code)))
                    .await?;
                Ok(json!({
                    "code": guide["code"], "name": guide["name"], "description": guide["description"],
                    "fields": guide["form"], "materials": guide["materials"], "matters": [],
                }))
            }
        }
    }
}

/// The form page with what was typed, the pre-check's report and any refusal next to the
/// input it concerns.
pub async fn form_page(
    api: &Api,
    me: &Me,
    desk: Desk,
    code: &str,
    entry: &Entry,
    report: Option<Value>,
    failure: Option<Failure>,
) -> Response {
    let one_thing = match desk.one_thing(api, me, code).await {
        Ok(v) => v,
        Err(f) => return problem(Some(me), &f),
    };
    let errors = errors_by_input(report.as_ref(), failure.as_ref());
    let status = failure.as_ref().map_or(StatusCode::OK, Failure::status);
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
            action => desk.action(code),
            online => desk == Desk::Online,
        },
    )
}

/// The posted form with its scans stored (`POST /files`) and listed under their material
/// (`m.<code>.scan` inputs). A browser cannot refill a file input, so the stored scans ride
/// along in the page from then on and a failed submit loses none of them.
pub async fn scanned(api: &Api, me: &Me, posted: Posted) -> (Entry, Option<Failure>) {
    let mut entry = Entry::from_pairs(posted.pairs);
    let writer = me.writing(entry.get("csrf"));
    for (name, bytes) in posted.files {
        let Some(code) = name
            .strip_prefix("m.")
            .and_then(|n| n.strip_suffix(".scan"))
        else {
            continue;
        };
        match api
            .post_bytes(&writer, "/files", bytes, "application/octet-stream")
            .await
        {
            Ok(stored) => {
                if let Some(sha) = stored["sha256"].as_str() {
                    entry.add_scan(code, sha);
                }
            }
            Err(mut f) => {
                // Next to the material whose scan was refused (a wrong type, the day's quota).
                f.details = json!({ "material": code });
                return (entry, Some(f));
            }
        }
    }
    (entry, None)
}

/// A pre-check (`op=precheck`) or the application itself (`op=intake`).
pub async fn submit(
    api: &Api,
    me: &Me,
    desk: Desk,
    code: &str,
    posted: Result<Posted, Failure>,
) -> Response {
    let posted = match posted {
        Ok(posted) => posted,
        Err(f) => return form_page(api, me, desk, code, &Entry::default(), None, Some(f)).await,
    };
    let (entry, refused) = scanned(api, me, posted).await;
    if let Some(f) = refused {
        return form_page(api, me, desk, code, &entry, None, Some(f)).await;
    }
    let writer = me.writing(entry.get("csrf"));
    if entry.get("op") == "intake" {
        let body = json!({
            "one_thing": code,
            "channel": desk.channel(),
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
            Err(f) => form_page(api, me, desk, code, &entry, None, Some(f)).await,
        };
    }
    let body = json!({
        "one_thing": code,
        "channel": desk.channel(),
        "fields": entry.fields(),
        "materials": entry.materials(),
    });
    match api.post(&writer, "/prechecks", &body).await {
        Ok(report) => form_page(api, me, desk, code, &entry, Some(report), None).await,
        Err(f) => form_page(api, me, desk, code, &entry, None, Some(f)).await,
    }
}

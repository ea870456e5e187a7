//! The console (工作台) under `/console`: zh-CN pages for the window (综合窗口, 第十条), the
//! departments (第二十二条), the bureau (第十九条) and applicants.
//!
//! Pages are rendered on the server from templates compiled into the binary (`render.rs`) and
//! filled from the public API, called in process with the visitor's own session (`api.rs`):
//! the console adds screens, never rights. Forms post back here; each post becomes one API
//! call carrying the form's CSRF token, and an error the API gives comes back next to the field
//! it concerns with everything the visitor typed kept.

mod api;
mod applicant;
mod apply;
mod assets;
mod bureau;
mod case_feedback;
mod cases;
mod files;
mod form;
mod inbox;
mod posted;
mod rate_link;
mod rectifications;
mod render;
mod reports;
mod rules;
mod window;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde_json::Value;

pub use api::{Api, Failure, Visitor};
pub use render::check as check_templates;

/// The console's routes, served beside the API they call; a file uploaded through the console
/// (a rules component, a result document) may be as large as the API takes (`upload_limit`).
pub fn router(api: Router, upload_limit: usize) -> Router {
    let api = Api::new(api, upload_limit);
    // Room for the form's other parts and the multipart framing around the component.
    let upload = DefaultBodyLimit::max(upload_limit.saturating_add(64 * 1024));
    Router::new()
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(home))
        .route("/console/role", post(switch_role))
        .route("/console/logout", post(logout))
        .route("/console/assets/{name}", get(assets::serve))
        .route("/console/window", get(window::home))
        .route("/console/window/find", get(window::find))
        .route(
            "/console/window/apply/{code}",
            get(window::form).post(window::submit).layer(upload),
        )
        .route("/console/cases/{id}", get(cases::show))
        .route("/console/cases/{id}/receipt", get(cases::receipt))
        .route("/console/cases/{id}/window", post(cases::window_action))
        .route(
            "/console/cases/{id}/cards",
            post(case_feedback::explain_card),
        )
        .route("/console/cases/{id}/rating", post(case_feedback::rate))
        .route(
            "/console/cases/{id}/complaint",
            post(case_feedback::complain),
        )
        .route(
            "/console/cases/{id}/correction",
            post(cases::correct).layer(upload),
        )
        .route("/console/cases/{id}/results/{sha256}", get(files::result))
        .route("/console/files/{sha256}", get(files::stored))
        .route(
            "/console/cases/{id}/items/{matter}",
            post(cases::item_action),
        )
        .route(
            "/console/cases/{id}/items/{matter}/decide",
            post(cases::decide).layer(upload),
        )
        .route("/console/inbox", get(inbox::show))
        .route("/console/mine", get(applicant::mine))
        .route("/console/services", get(applicant::services))
        .route(
            "/console/apply/{code}",
            get(applicant::apply_form)
                .post(applicant::apply_submit)
                .layer(upload),
        )
        .route(
            "/console/consultation",
            get(applicant::consultation).post(applicant::propose),
        )
        .route(
            "/console/consultation/{id}/support",
            post(applicant::support),
        )
        .route(
            "/console/bureau/{tab}",
            get(bureau::show).post(bureau::command),
        )
        .route(
            "/console/rate/{token}",
            get(rate_link::show).post(rate_link::rate),
        )
        .route("/console/reports", get(reports::show))
        .route("/console/reports/xlsx", get(reports::workbook))
        .route("/console/rectifications", get(rectifications::show))
        .route("/console/rectifications/{id}", post(rectifications::step))
        .route("/console/rules", get(rules::list))
        .route(
            "/console/rules/{code}",
            get(rules::matter).post(rules::command),
        )
        .route(
            "/console/rules/{code}/versions",
            post(rules::upload).layer(upload),
        )
        .with_state(api)
        .layer(axum::middleware::map_response(guarded_pages))
}

/// Headers every console page carries: no framing by another site (clickjacking a clerk's
/// “送达” button), scripts, styles and form posts from this host only, no referrer leaving the
/// host with a case number in it.
async fn guarded_pages(mut response: Response) -> Response {
    use axum::http::{HeaderValue, header};
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; \
             form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The signed-in visitor as pages need them: the API's `/session` answer.
#[derive(Clone, Debug)]
pub struct Me {
    pub session: Value,
    pub visitor: Visitor,
}

impl Me {
    pub fn role(&self) -> &str {
        self.session["role"].as_str().unwrap_or_default()
    }

    pub fn csrf(&self) -> &str {
        self.session["csrf_token"].as_str().unwrap_or_default()
    }

    /// The department a department role acts for.
    pub fn department(&self) -> Option<&str> {
        self.role().strip_prefix("department:")
    }

    pub fn is_clerk(&self) -> bool {
        self.role() == "clerk"
    }

    /// The page is for one kind of work; another role is told so instead of meeting the API's
    /// refusals one button at a time (the API refuses them all the same).
    pub fn refused(&self, for_whom: &str) -> Response {
        let failure = Failure::new(403, "forbidden", format!("此页面仅供{for_whom}使用"));
        problem(Some(self), &failure)
    }

    /// The visitor with the CSRF token a form sent: writes are made with it, and the API
    /// refuses them if it is not the session's.
    pub fn writing(&self, sent: &str) -> Visitor {
        self.visitor.with_csrf(sent)
    }
}

/// The session of the visitor, or the way to the sign-in page.
pub async fn signed_in(api: &Api, visitor: Visitor) -> Result<Me, Response> {
    match api.get(&visitor, "/session").await {
        Ok(session) => Ok(Me { session, visitor }),
        Err(f) if f.status == 401 => Err(Redirect::to("/console/").into_response()),
        Err(f) => Err(problem(None, &f)),
    }
}

/// The page for a refusal or a failure the visitor cannot fix on the page they were on.
pub fn problem(me: Option<&Me>, failure: &Failure) -> Response {
    render::page_with(
        failure.status(),
        "problem.html",
        context! {
            me => me.map(|m| m.session.clone()),
            failure => failure,
        },
    )
}

/// What a page was sent back after (`?done=accept&matter=…`): the command just carried out,
/// so the page can say what it set.
#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: String,
    #[serde(default)]
    pub matter: String,
}

/// The visitor, signed in and in a role `may` admits; anyone else is told the page is for
/// `for_whom` (the API would refuse them all the same, one button at a time).
pub async fn signed_in_as(
    api: &Api,
    visitor: Visitor,
    may: fn(&Me) -> bool,
    for_whom: &str,
) -> Result<Me, Response> {
    let me = signed_in(api, visitor).await?;
    if may(&me) {
        Ok(me)
    } else {
        Err(me.refused(for_whom))
    }
}

/// Where each role starts.
fn start_of(role: &str) -> &'static str {
    match role {
        "clerk" => "/console/window",
        "citizen" => "/console/mine",
        "admin" => "/console/rules",
        r if r.starts_with("department:") => "/console/inbox",
        _ => "/console/window",
    }
}

async fn home(axum::extract::State(api): axum::extract::State<Api>, visitor: Visitor) -> Response {
    match api.get(&visitor, "/session").await {
        Ok(session) => {
            let role = session["role"].as_str().unwrap_or_default();
            Redirect::to(start_of(role)).into_response()
        }
        Err(_) => render::page("home.html", context! {}),
    }
}

#[derive(serde::Deserialize)]
struct RoleForm {
    csrf: String,
    role: String,
}

async fn switch_role(
    axum::extract::State(api): axum::extract::State<Api>,
    visitor: Visitor,
    axum::Form(form): axum::Form<RoleForm>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let body = serde_json::json!({ "role": form.role });
    match api
        .put(&me.writing(&form.csrf), "/session/role", &body)
        .await
    {
        Ok(_) => Redirect::to(start_of(&form.role)).into_response(),
        Err(f) => problem(Some(&me), &f),
    }
}

#[derive(serde::Deserialize)]
struct LogoutForm {
    csrf: String,
}

async fn logout(
    axum::extract::State(api): axum::extract::State<Api>,
    visitor: Visitor,
    axum::Form(form): axum::Form<LogoutForm>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    // The API's logout answers with the cookie that ends the session in the browser; the
    // console passes the ending on by clearing the same cookie.
    match api
        .post(&me.writing(&form.csrf), "/session/logout", &Value::Null)
        .await
    {
        Ok(_) => (
            [(
                axum::http::header::SET_COOKIE,
                "lb_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
            )],
            Redirect::to("/console/"),
        )
            .into_response(),
        Err(f) => problem(Some(&me), &f),
    }
}

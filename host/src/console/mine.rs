//! An applicant's own cases (“我的办件”), newest first.

use axum::extract::State;
use axum::response::Response;
use minijinja::context;

use super::render::page;
use super::{Api, Visitor, problem, signed_in};

pub async fn show(State(api): State<Api>, visitor: Visitor) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    match api.get(&me.visitor, "/cases/mine").await {
        Ok(cases) => page("mine.html", context! { me => me.session, cases => cases }),
        Err(f) => problem(Some(&me), &f),
    }
}

//! The bureau's 通报 in the console: a printable zh-CN page of the API's report with its
//! charts (drawn here as SVG from the same report), and the spreadsheet passed on as a
//! download.

use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::api::segment;
use super::bureau::admin;
use super::files::attachment;
use super::render::page;
use super::{Api, Failure, Visitor, problem};
use crate::supervision::report::{Report, charts};

#[derive(Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    period: String,
}

pub async fn show(
    State(api): State<Api>,
    visitor: Visitor,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let me = match admin(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let at = format!("/supervision/reports/{}", segment(q.period.trim()));
    let value = match api.get(&me.visitor, &at).await {
        Ok(v) => v,
        Err(f) => return problem(Some(&me), &f),
    };
    let drawn = serde_json::from_value::<Report>(value.clone())
        .map_err(|e| e.to_string())
        .and_then(|r| charts::draw(&r));
    let charts = match drawn {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "a report's charts could not be drawn");
            return problem(
                Some(&me),
                &Failure::new(500, "internal", "通报的图表无法生成，请稍后重试"),
            );
        }
    };
    page(
        "report.html",
        context! { me => me.session, report => value, period => q.period.trim(),
        volumes => charts.volumes, handling => charts.handling,
        satisfaction => charts.satisfaction, legends => charts::LEGENDS },
    )
}

pub async fn workbook(
    State(api): State<Api>,
    visitor: Visitor,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let me = match admin(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let period = q.period.trim();
    let at = format!("/supervision/reports/{}/xlsx", segment(period));
    let answer = api.get_file(&me.visitor, &at).await;
    attachment(&me, answer, &format!("tongbao-{period}"))
}

//! The printable 通报's charts, drawn as SVG by charts-rs: the volumes over the period, the
//! handling time against the promised time by department, and satisfaction by department.
//! A chart with nothing to draw is left out (`None`), and the page says so in words.

use charts_rs::{BarChart, HorizontalBarChart, LineChart, Position, Series};

use super::Report;

const WIDTH: f32 = 720.0;
const HEIGHT: f32 = 320.0;

/// The legend stacked on the right, one entry a line: charts-rs measures text with its Latin
/// font, which underestimates Chinese names, and entries side by side would then overlap.
fn legend_right(legend: &mut charts_rs::LegendConfig) {
    legend.position = Some(Position::Right);
}

/// The charts of one report, as SVG documents.
#[derive(Debug, Default)]
pub struct Charts {
    pub volumes: Option<String>,
    pub handling: Option<String>,
    pub satisfaction: Option<String>,
}

fn rounded(x: f64, places: i32) -> f32 {
    let scale = 10f64.powi(places);
    ((x * scale).round() / scale) as f32
}

/// Received cases by day for a month, by week (from its first day) for a quarter, so that
/// the axis stays readable.
fn volumes(report: &Report) -> Result<Option<String>, String> {
    if report.daily.iter().all(|d| d.window + d.online == 0) {
        return Ok(None);
    }
    let step = if report.daily.len() > 31 { 7 } else { 1 };
    let mut labels = Vec::new();
    let (mut window, mut online) = (Vec::new(), Vec::new());
    for chunk in report.daily.chunks(step) {
        let label = chunk[0].day.to_string();
        labels.push(label.get(5..).unwrap_or(&label).to_owned());
        window.push(chunk.iter().map(|d| d.window).sum::<u64>() as f32);
        online.push(chunk.iter().map(|d| d.online).sum::<u64>() as f32);
    }
    let mut chart = LineChart::new(
        vec![("窗口", window).into(), ("网上", online).into()],
        labels,
    );
    chart.width = WIDTH;
    chart.height = HEIGHT;
    legend_right(&mut chart.legend);
    chart.title.text = if step == 1 {
        "每日办件量".into()
    } else {
        "每周办件量（按周首日）".into()
    };
    chart.svg().map(Some).map_err(|e| e.to_string())
}

/// Mean handling days beside mean promised days, per department that decided anything.
fn handling(report: &Report) -> Result<Option<String>, String> {
    let rows: Vec<_> = report
        .departments
        .iter()
        .filter_map(|r| Some((r, r.handling_mean_days?, r.promised_mean_days?)))
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let labels = rows.iter().map(|(r, ..)| report.name(&r.group).to_owned());
    let handled: Vec<f32> = rows.iter().map(|(_, h, _)| rounded(*h, 2)).collect();
    let promised: Vec<f32> = rows.iter().map(|(_, _, p)| rounded(*p, 2)).collect();
    let mut chart = BarChart::new(
        vec![
            Series::from(("平均办理用时", handled)),
            Series::from(("平均承诺时限", promised)),
        ],
        labels.collect(),
    );
    chart.width = WIDTH;
    chart.height = HEIGHT;
    legend_right(&mut chart.legend);
    chart.title.text = "办理用时与承诺时限（工作日）".into();
    chart.svg().map(Some).map_err(|e| e.to_string())
}

/// 满意率 in percent, per department rated in the period.
fn satisfaction(report: &Report) -> Result<Option<String>, String> {
    let rows: Vec<_> = report
        .satisfaction
        .iter()
        .filter(|s| s.kind == "department")
        .filter_map(|s| Some((report.name(&s.code).to_owned(), s.satisfaction?)))
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let values: Vec<f32> = rows.iter().map(|(_, s)| rounded(s * 100.0, 1)).collect();
    let mut chart = HorizontalBarChart::new(
        vec![("满意率（%）", values).into()],
        rows.into_iter().map(|(name, _)| name).collect(),
    );
    chart.width = WIDTH;
    chart.height = HEIGHT;
    chart.legend.show = Some(false);
    chart.title.text = "各部门满意率（%）".into();
    chart.svg().map(Some).map_err(|e| e.to_string())
}

/// Draws the report's charts.
pub fn draw(report: &Report) -> Result<Charts, String> {
    Ok(Charts {
        volumes: volumes(report)?,
        handling: handling(report)?,
        satisfaction: satisfaction(report)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervision::assessment::Weights;
    use crate::supervision::report::{Sources, build};
    use crate::supervision::{FigureKey, Tally};
    use lianban_sdk::Date;

    fn report(names: &[(&str, &str)]) -> Report {
        let key = |department: &str| FigureKey {
            day: Date::ymd(2026, 10, 9),
            one_thing: "newborn".into(),
            channel: "window".into(),
            clerk: if department.is_empty() {
                "wang.min"
            } else {
                ""
            }
            .into(),
            matter: if department.is_empty() { "" } else { "m" }.into(),
            department: department.into(),
        };
        let rows = vec![
            (
                key(""),
                Tally {
                    received: 3,
                    ..Tally::default()
                },
            ),
            (
                key("health"),
                Tally {
                    accepted: 2,
                    approved: 2,
                    handling_days: 3,
                    promised_days: 4,
                    on_time: 2,
                    ..Tally::default()
                },
            ),
        ];
        build(
            "2026-10".parse().unwrap(),
            &rows,
            Sources {
                ratings: &[],
                names: names
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                weights: &Weights::default(),
                generated_at: "2026-11-02T09:00:00.000+08:00".into(),
            },
        )
    }

    #[test]
    fn draws_what_there_is_and_leaves_out_what_is_not() {
        let charts = draw(&report(&[("health", "卫生健康委")])).unwrap();
        let volumes = charts.volumes.unwrap();
        assert!(volumes.starts_with("<svg"), "{volumes}");
        assert!(volumes.contains("每日办件量"));
        let handling = charts.handling.unwrap();
        assert!(
            handling.contains("卫生健康委") && handling.contains("1.5"),
            "{handling}"
        );
        assert!(charts.satisfaction.is_none(), "no ratings, no chart");
    }

    #[test]
    fn names_are_text_not_markup() {
        let charts = draw(&report(&[("health", "<script>alert(1)</script>")])).unwrap();
        let handling = charts.handling.unwrap();
        assert!(!handling.contains("<script"), "{handling}");
        assert!(handling.contains("&lt;script&gt;"));
    }
}

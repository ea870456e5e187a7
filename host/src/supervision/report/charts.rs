//! The printable 通报's charts, drawn as SVG by charts-rs: the volumes over the period, the
//! handling time against the promised time by department, and satisfaction by department.
//! A chart with nothing to draw is left out (`None`), and the page says so in words.

use charts_rs::{HorizontalBarChart, LineChart, Margin, Series};

use super::Report;

const WIDTH: f32 = 720.0;

// charts-rs measures text with its Latin font, which takes a Chinese name for less than its
// width: a legend's entries would overlap and an axis's names collide. So the names stand one
// to a row on the left with room kept for them (`room_for`), and the legends are hidden — the
// printable page says which colour is which beside each chart (`LEGENDS`).

/// What each chart's colours mean, in the order of its series (the theme's first colour is
/// blue, the second green).
pub const LEGENDS: [&str; 3] = [
    "蓝：窗口收件；绿：网上申报",
    "蓝：平均办理用时；绿：平均承诺时限",
    "满意率（%）",
];

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

/// `name` with trailing spaces that make charts-rs reserve its true width: it measures each
/// Chinese character as its Latin font's missing glyph, narrower than the character drawn.
/// SVG does not draw trailing spaces, so only the room they reserve shows.
fn room_for(name: &str, font_size: f32) -> String {
    let measure = |text: &str| {
        charts_rs::measure_text_width_family(charts_rs::DEFAULT_FONT_FAMILY, font_size, text)
            .map_or(0.0, |b| b.width())
    };
    let (wide, space) = (
        measure("国国") - measure("国"),
        measure("x x") - measure("xx"),
    );
    let wide_chars = name.chars().filter(|c| !c.is_ascii()).count() as f32;
    if space <= 0.0 || wide >= font_size {
        return name.to_owned();
    }
    let spaces = (wide_chars * (font_size - wide) / space).ceil() as usize;
    format!("{name}{}", " ".repeat(spaces))
}

/// A bar chart of one row per name, the names on the left.
fn rows(
    title: &str,
    names: Vec<String>,
    series: Vec<Series>,
    max: Option<f32>,
) -> Result<String, String> {
    let bars = series.len().max(1) as f32;
    let height = 60.0 + names.len() as f32 * (12.0 + 14.0 * bars);
    let mut chart = HorizontalBarChart::new(series, Vec::new());
    chart.x_axis.data = names
        .iter()
        .map(|n| room_for(n, chart.x_axis.font.size))
        .collect();
    chart.width = WIDTH;
    chart.height = height.max(160.0);
    chart.margin = Margin {
        left: 10.0,
        top: 10.0,
        right: 40.0,
        bottom: 10.0,
    };
    chart.legend.show = Some(false);
    if let Some(axis) = chart.y_axis_configs.first_mut() {
        axis.max = max;
    }
    chart.title.text = title.into();
    chart.svg().map_err(|e| e.to_string())
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
    chart.height = 320.0;
    chart.legend.show = Some(false);
    chart.title.text = if step == 1 {
        "每日办件量".into()
    } else {
        "每周办件量（按周首日）".into()
    };
    chart.svg().map(Some).map_err(|e| e.to_string())
}

/// Mean handling days beside mean promised days, per department that decided anything.
fn handling(report: &Report) -> Result<Option<String>, String> {
    let found: Vec<_> = report
        .departments
        .iter()
        .filter_map(|r| Some((r, r.handling_mean_days?, r.promised_mean_days?)))
        .collect();
    if found.is_empty() {
        return Ok(None);
    }
    let names = found.iter().map(|(r, ..)| report.name(&r.group).to_owned());
    let handled: Vec<f32> = found.iter().map(|(_, h, _)| rounded(*h, 2)).collect();
    let promised: Vec<f32> = found.iter().map(|(_, _, p)| rounded(*p, 2)).collect();
    let series = vec![
        Series::from(("平均办理用时", handled)),
        Series::from(("平均承诺时限", promised)),
    ];
    rows(
        "办理用时与承诺时限（工作日）",
        names.collect(),
        series,
        None,
    )
    .map(Some)
}

/// 满意率 in percent, per department rated in the period.
fn satisfaction(report: &Report) -> Result<Option<String>, String> {
    let found: Vec<_> = report
        .satisfaction
        .iter()
        .filter(|s| s.kind == "department")
        .filter_map(|s| Some((report.name(&s.code).to_owned(), s.satisfaction?)))
        .collect();
    if found.is_empty() {
        return Ok(None);
    }
    let values: Vec<f32> = found.iter().map(|(_, s)| rounded(s * 100.0, 1)).collect();
    let names = found.into_iter().map(|(name, _)| name).collect();
    let series = vec![("满意率", values).into()];
    rows("各部门满意率（%）", names, series, Some(100.0)).map(Some)
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

//! The 通报 as a spreadsheet: an overview sheet, then one sheet per grouping (departments,
//! one-things, window clerks), the day-by-day volumes and the satisfaction. Rates are numbers
//! formatted as percentages, so the bureau can sort and sum; an empty cell means nothing was
//! counted. The workbook carries the report's own time, not the time it was written, so the
//! same report always gives the same bytes.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::Report;
use crate::supervision::assessment::Score;
use crate::supervision::summary::FigureRow;

/// What a cell of a figures row holds.
enum Value {
    Count(u64),
    Rate(Option<f64>),
    Days(Option<f64>),
}

/// A column of a figures sheet: its heading and how to read the row.
type Column = (&'static str, fn(&FigureRow) -> Value);

const ITEM_COLUMNS: &[Column] = &[
    ("受理", |r| Value::Count(r.accepted)),
    ("不予受理", |r| Value::Count(r.rejected)),
    ("不予受理率", |r| Value::Rate(r.rejection_rate)),
    ("受理平均用时（工作日）", |r| {
        Value::Days(r.acceptance_mean_days)
    }),
    ("一个工作日内受理率", |r| {
        Value::Rate(r.acceptance_in_time_rate)
    }),
    ("办结", |r| Value::Count(r.decided)),
    ("办结率", |r| Value::Rate(r.completion_rate)),
    ("平均办理用时（工作日）", |r| {
        Value::Days(r.handling_mean_days)
    }),
    ("平均承诺时限（工作日）", |r| {
        Value::Days(r.promised_mean_days)
    }),
    ("按时办结率", |r| Value::Rate(r.on_time_rate)),
    ("提前办结率", |r| Value::Rate(r.early_rate)),
    ("超期办结", |r| Value::Count(r.late)),
    ("法定时限内办结率", |r| {
        Value::Rate(r.within_legal_rate)
    }),
    ("特别程序", |r| Value::Count(r.suspended)),
];

const INTAKE_COLUMNS: &[Column] = &[
    ("办件量", |r| Value::Count(r.received)),
    ("收件", |r| Value::Count(r.distributed)),
    ("撤回", |r| Value::Count(r.withdrawn)),
    ("收件平均用时（工作日）", |r| {
        Value::Days(r.intake_mean_days)
    }),
    ("一个工作日内收件率", |r| {
        Value::Rate(r.intake_in_time_rate)
    }),
    ("每件一次性告知次数", |r| {
        Value::Days(r.notices_per_case)
    }),
    ("补正后收件占比", |r| Value::Rate(r.correction_share)),
    ("电子证照替代率", |r| Value::Rate(r.elicense_share)),
];

struct Formats {
    bold: Format,
    percent: Format,
    days: Format,
}

fn put(sheet: &mut Worksheet, f: &Formats, row: u32, col: u16, v: Value) -> Result<(), XlsxError> {
    match v {
        Value::Count(n) => {
            sheet.write_number(row, col, n as f64)?;
        }
        Value::Rate(Some(x)) => {
            sheet.write_number_with_format(row, col, x, &f.percent)?;
        }
        Value::Days(Some(x)) => {
            sheet.write_number_with_format(row, col, x, &f.days)?;
        }
        Value::Rate(None) | Value::Days(None) => {}
    }
    Ok(())
}

/// A sheet of one row per group: the code, its name, the columns, and the score if any.
fn groups_sheet(
    book: &mut Workbook,
    f: &Formats,
    report: &Report,
    (name, what): (&str, &str),
    rows: &[FigureRow],
    columns: &[Column],
    scores: Option<&[Score]>,
) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    sheet.write_string_with_format(0, 0, what, &f.bold)?;
    sheet.write_string_with_format(0, 1, "名称", &f.bold)?;
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(1, 24)?;
    for (i, (head, _)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, 2 + i as u16, *head, &f.bold)?;
        sheet.set_column_width(2 + i as u16, 14)?;
    }
    let score_col = 2 + columns.len() as u16;
    if scores.is_some() {
        sheet.write_string_with_format(0, score_col, "考核得分", &f.bold)?;
    }
    for (n, row) in rows.iter().enumerate() {
        let r = 1 + n as u32;
        let code = if row.group.is_empty() {
            "（网上自助）"
        } else {
            &row.group
        };
        sheet.write_string(r, 0, code)?;
        sheet.write_string(r, 1, report.name(&row.group))?;
        for (i, (_, value)) in columns.iter().enumerate() {
            put(sheet, f, r, 2 + i as u16, value(row))?;
        }
        let score = scores
            .and_then(|s| s.iter().find(|s| s.group == row.group))
            .and_then(|s| s.score);
        if let Some(score) = score {
            sheet.write_number_with_format(r, score_col, score, &f.days)?;
        }
    }
    sheet.set_freeze_panes(1, 2)?;
    Ok(())
}

/// Writes the report as an xlsx workbook.
pub fn workbook(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let f = Formats {
        bold: Format::new().set_bold(),
        percent: Format::new().set_num_format("0.0%"),
        days: Format::new().set_num_format("0.00"),
    };
    let mut book = Workbook::new();
    let created = stamp_time(&report.generated_at)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(&report.title)
            .set_author("联办 电子监察")
            .set_creation_datetime(&created),
    );

    let sheet = book.add_worksheet();
    sheet.set_name("概况")?;
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 30)?;
    sheet.write_string_with_format(0, 0, &report.title, &f.bold)?;
    sheet.write_string(1, 0, "统计期（按收件日）")?;
    sheet.write_string(1, 1, format!("{} 至 {}", report.from, report.to))?;
    sheet.write_string(2, 0, "生成时间")?;
    sheet.write_string(2, 1, &report.generated_at)?;
    sheet.write_string(3, 0, "状态")?;
    sheet.write_string(
        3,
        1,
        if report.frozen {
            "已定稿"
        } else {
            "统计期未结束，数据仍在变化"
        },
    )?;
    let (window, online) = report
        .daily
        .iter()
        .fold((0, 0), |(w, o), d| (w + d.window, o + d.online));
    sheet.write_string_with_format(5, 0, "指标", &f.bold)?;
    sheet.write_string_with_format(5, 1, "数值", &f.bold)?;
    let overview = [
        ("窗口收件量", Value::Count(window)),
        ("网上申报量", Value::Count(online)),
    ]
    .into_iter()
    .chain(
        INTAKE_COLUMNS
            .iter()
            .chain(ITEM_COLUMNS)
            .map(|(head, value)| (*head, value(&report.total))),
    );
    for (r, (head, value)) in (6..).zip(overview) {
        sheet.write_string(r, 0, head)?;
        put(sheet, &f, r, 1, value)?;
    }

    groups_sheet(
        &mut book,
        &f,
        report,
        ("按部门", "部门代码"),
        &report.departments,
        ITEM_COLUMNS,
        Some(&report.department_scores),
    )?;
    groups_sheet(
        &mut book,
        &f,
        report,
        ("按一件事", "一件事代码"),
        &report.one_things,
        &[INTAKE_COLUMNS, ITEM_COLUMNS].concat(),
        None,
    )?;
    groups_sheet(
        &mut book,
        &f,
        report,
        ("按窗口人员", "工作人员"),
        &report.clerks,
        INTAKE_COLUMNS,
        Some(&report.clerk_scores),
    )?;

    let sheet = book.add_worksheet();
    sheet.set_name("每日办件量")?;
    for (c, head) in ["收件日", "窗口", "网上", "合计"].into_iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, head, &f.bold)?;
    }
    sheet.set_column_width(0, 14)?;
    for (n, d) in report.daily.iter().enumerate() {
        let r = 1 + n as u32;
        sheet.write_string(r, 0, d.day.to_string())?;
        sheet.write_number(r, 1, d.window as f64)?;
        sheet.write_number(r, 2, d.online as f64)?;
        sheet.write_number(r, 3, (d.window + d.online) as f64)?;
    }

    let sheet = book.add_worksheet();
    sheet.set_name("满意度")?;
    let heads = [
        "类别",
        "代码",
        "名称",
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
        "评价数",
        "满意率",
    ];
    for (c, head) in heads.into_iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, head, &f.bold)?;
    }
    sheet.set_column_width(2, 24)?;
    for (n, s) in report.satisfaction.iter().enumerate() {
        let r = 1 + n as u32;
        let kind = if s.kind == "department" {
            "部门"
        } else {
            "一件事"
        };
        sheet.write_string(r, 0, kind)?;
        sheet.write_string(r, 1, &s.code)?;
        sheet.write_string(r, 2, report.name(&s.code))?;
        for (i, count) in s.levels.iter().enumerate() {
            sheet.write_number(r, 3 + i as u16, *count as f64)?;
        }
        sheet.write_number(r, 8, s.ratings as f64)?;
        put(sheet, &f, r, 9, Value::Rate(s.satisfaction))?;
    }
    book.save_to_buffer()
}

/// The report's stamp (`2026-11-02T09:00:00.000+08:00`) as the workbook's creation time.
fn stamp_time(stamp: &str) -> Result<ExcelDateTime, XlsxError> {
    let part = |range: std::ops::Range<usize>| -> Option<u16> { stamp.get(range)?.parse().ok() };
    let ymd = part(0..4).zip(part(5..7)).zip(part(8..10));
    let hms = part(11..13).zip(part(14..16)).zip(part(17..19));
    match (ymd, hms) {
        (Some(((y, m), d)), Some(((h, mi), s))) => {
            ExcelDateTime::from_ymd(y, m as u8, d as u8)?.and_hms(h, mi as u8, s)
        }
        _ => ExcelDateTime::from_ymd(2000, 1, 1),
    }
}

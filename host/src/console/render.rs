//! The console's templates, compiled into the binary, and the few words and formats they share:
//! dates as people read them (2026年12月3日) and the zh-CN names of states and choices.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDate};
use minijinja::{Environment, Value};

macro_rules! templates {
    ($env:ident, $($name:literal),* $(,)?) => {
        $( $env.add_template($name, include_str!(concat!("templates/", $name)))
            .unwrap_or_else(|e| panic!("console template {}: {e}", $name)); )*
    };
}

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A page shows what the API gave; a part it left out (an optional object) reads as empty
    // all the way down instead of failing the page.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    templates!(
        env,
        "base.html",
        "macros.html",
        "home.html",
        "problem.html",
        "window.html",
        "apply.html",
        "case.html",
        "inbox.html",
        "mine.html",
        "receipt.html",
        "rules.html",
        "matter.html",
        "services.html",
        "consultation.html",
        "bureau.html",
        "token.html",
        "rectifications.html",
        "report.html",
        "rate.html",
    );
    env.add_filter("day", day);
    env.add_filter("moment", moment);
    env.add_filter("zh", zh);
    env.add_filter("percent", percent);
    env.add_filter("days", days);
    env
});

/// Checks every template at start-up, so that a broken one stops the host rather than a page.
pub fn check() {
    LazyLock::force(&PAGES);
}

/// A rendered page, or the problem page if the template failed (a bug: logged, not shown).
pub fn page(name: &str, context: Value) -> Response {
    page_with(StatusCode::OK, name, context)
}

pub fn page_with(status: StatusCode, name: &str, context: Value) -> Response {
    let rendered = PAGES.get_template(name).and_then(|t| t.render(context));
    match rendered {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "console template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><html lang=\"zh-CN\"><title>出错了</title><p>页面生成失败，请稍后重试。</p></html>"),
            )
                .into_response()
        }
    }
}

/// 2026-12-03 or an RFC 3339 moment → 2026年12月3日 (the day in Beijing time).
fn day(value: Value) -> String {
    let text = value.as_str().unwrap_or_default();
    if let Some(at) = beijing(text) {
        return format!("{}", at.format("%Y年%-m月%-d日"));
    }
    match NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d") {
        Ok(d) => format!("{}", d.format("%Y年%-m月%-d日")),
        Err(_) => text.to_owned(),
    }
}

/// A ratio → 66.7%; nothing counted → —.
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// A mean of working days → 1.3 天; nothing counted → —.
fn days(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |d| format!("{d:.1} 天"))
}

/// An RFC 3339 moment → 2026年12月3日 20:31, in Beijing time.
fn moment(value: Value) -> String {
    let text = value.as_str().unwrap_or_default();
    match beijing(text) {
        Some(at) => format!("{}", at.format("%Y年%-m月%-d日 %H:%M")),
        None => day(value),
    }
}

fn beijing(text: &str) -> Option<DateTime<FixedOffset>> {
    let at = DateTime::parse_from_rfc3339(text).ok()?;
    let offset = FixedOffset::east_opt(8 * 3600)?;
    Some(at.with_timezone(&offset))
}

/// The zh-CN word for a value of one of the API's enumerations: `status|zh("case")`.
fn zh(value: Value, kind: &str) -> String {
    let v = value.as_str().unwrap_or_default();
    let word = match (kind, v) {
        ("case", "submitted") => "待确认",
        ("case", "incomplete") => "待补正",
        ("case", "in_progress") => "办理中",
        ("case", "completed") => "待领取",
        ("case", "delivered") => "已送达",
        ("case", "archived") => "已归档",
        ("case", "withdrawn") => "已撤回",
        ("item", "waiting") => "等待前置事项",
        ("item", "distributed") => "待受理",
        ("item", "accepted") => "已受理",
        ("item", "suspended") => "已中止计时",
        ("item", "rejected") => "不予受理",
        ("item", "decided") => "已办结",
        ("item", "cancelled") => "已取消",
        ("item", "withdrawn") => "已撤回",
        ("clock", "normal") => "正常",
        ("clock", "warning") => "黄牌预警",
        ("clock", "overdue") => "红牌超期",
        ("level", "very_satisfied") => "非常满意",
        ("level", "satisfied") => "满意",
        ("level", "fairly_satisfied") => "基本满意",
        ("level", "dissatisfied") => "不满意",
        ("level", "very_dissatisfied") => "非常不满意",
        ("stage_r", "verifying") => "核实中",
        ("stage_r", "rectifying") => "整改中",
        ("stage_r", "calling_back") => "待回访",
        ("stage_r", "not_upheld") => "核实不属实",
        ("stage_r", "closed") => "已办结",
        ("card", "yellow") => "黄牌",
        ("card", "red") => "红牌",
        ("grouping", "one_thing") => "一件事",
        ("grouping", "matter") => "事项",
        ("grouping", "department") => "部门",
        ("grouping", "clerk") => "窗口人员",
        ("grouping", "channel") => "渠道",
        ("clock", "suspended") => "暂停",
        ("clock", "provisional") => "待定（日历未发布）",
        ("stage", "intake") => "收件确认",
        ("stage", "acceptance") => "受理",
        ("stage", "decision") => "办结",
        ("stage", "result_return") => "结果回传",
        ("delivery", "together") => "窗口统一领取",
        ("delivery", "separately") => "窗口分别领取",
        ("delivery", "mail") => "邮寄送达",
        ("delivery", "self_print") => "自助打印",
        ("form", "original") => "原件",
        ("form", "copy") => "复印件",
        ("form", "scan") => "扫描件",
        ("form", "elicense") => "电子证照",
        ("paper", "original") => "原件",
        ("paper", "copy") => "复印件",
        ("paper", "original_and_copy") => "原件及复印件",
        ("channel", "window") => "窗口",
        ("channel", "online") => "网上",
        ("suspension", "testing") => "检验检测",
        ("suspension", "expert_review") => "专家评审",
        ("suspension", "hearing") => "听证",
        ("outcome", "approve") => "准予",
        ("outcome", "deny") => "不予",
        ("severity", "blocking") => "须补正",
        ("severity", "advisory") => "请注意",
        ("role", "admin") => "政务服务管理机构",
        ("role", "clerk") => "综合窗口",
        ("role", "citizen") => "申请人",
        _ => return role_or_raw(kind, v),
    };
    word.to_owned()
}

fn role_or_raw(kind: &str, v: &str) -> String {
    match (kind, v.strip_prefix("department:")) {
        ("role", Some(code)) => format!("部门（{code}）"),
        _ => v.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(day(Value::from("2026-12-03")), "2026年12月3日");
        // A moment late in the UTC day is already the next day in Beijing.
        assert_eq!(day(Value::from("2026-12-03T20:31:00Z")), "2026年12月4日");
        assert_eq!(
            moment(Value::from("2026-12-03T01:05:00Z")),
            "2026年12月3日 09:05"
        );
        assert_eq!(day(Value::from("不是日期")), "不是日期");
    }

    #[test]
    fn every_template_compiles() {
        check();
        assert_eq!(zh(Value::from("incomplete"), "case"), "待补正");
        assert_eq!(zh(Value::from("department:cdc"), "role"), "部门（cdc）");
    }
}

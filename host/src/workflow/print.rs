//! Printable documents for the applicant: the one-time correction notice (一次性告知书).

use super::model::{Case, CorrectionNotice};

/// Escapes text for HTML; every value printed comes from applications and rules.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// 一次性告知书 (第十四条): everything to add or correct, each once, on one page.
pub fn correction_notice(case: &Case, notice: &CorrectionNotice) -> String {
    let mut rows = String::new();
    for (i, item) in notice.items.iter().enumerate() {
        let kind = match item.severity {
            lianban_sdk::Severity::Blocking => "须补正",
            lianban_sdk::Severity::Advisory => "提示",
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{kind}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            i + 1,
            escape(&item.message),
            escape(item.remedy.as_deref().unwrap_or("")),
            escape(&item.matters.join("、")),
        ));
    }
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>一次性告知书</title>
<style>body{{font-family:serif;max-width:48em;margin:2em auto}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #333;padding:.3em}}</style>
</head><body>
<h1>红旗区政务服务“一件事一次办”一次性告知书</h1>
<p>办件编号：{id}　　申请事项：{one_thing}</p>
<p>申请人：{name}</p>
<p>您提交的申请材料尚需补齐补正以下内容（共 {count} 项），补齐补正后即可继续办理：</p>
<table><tr><th>序号</th><th>类别</th><th>内容</th><th>补正方式</th><th>涉及事项</th></tr>
{rows}</table>
<p>告知时间：{at}</p>
<p>依据：《红旗区政务服务“一件事一次办”操作规程（试行）》第十四条。</p>
</body></html>
"#,
        id = escape(&case.id),
        one_thing = escape(&case.one_thing_name),
        name = escape(&case.applicant.name),
        count = notice.items.len(),
        at = escape(&notice.issued_at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_it_prints() {
        assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
    }
}

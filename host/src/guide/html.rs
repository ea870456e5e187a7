//! The guide as a printable zh-CN page, laid out like the guides halls post on their walls:
//! numbered sections for the elements 第八条 names, the flow chart inline.

use std::fmt::Write;

use lianban_sdk::PaperForm;

use super::{Guide, MatterText, TimeLimits};
use crate::precheck::merged::MergedRequirement;
use crate::workflow::print::escape;

fn requirement(r: &MergedRequirement) -> String {
    match r {
        MergedRequirement::Always => "必须提交".into(),
        MergedRequirement::Conditional(c) => format!("以下情形提交：{}", c.join("；")),
        MergedRequirement::Optional => "可选".into(),
    }
}

fn paper(p: PaperForm, copies: u32) -> String {
    match p {
        PaperForm::Original => "原件".into(),
        PaperForm::Copy => format!("复印件 {copies} 份"),
        PaperForm::OriginalAndCopy => format!("原件（核验）及复印件 {copies} 份"),
    }
}

fn days(d: Option<u32>) -> String {
    match d {
        Some(0) => "即办".into(),
        Some(d) => format!("{d} 个工作日"),
        None => "尚无现行规则".into(),
    }
}

fn matter_name<'a>(t: &'a TimeLimits, code: &'a str) -> &'a str {
    t.matters
        .iter()
        .find(|m| m.matter == code)
        .map_or(code, |m| m.name.as_str())
}

fn list(out: &mut String, items: &[String]) {
    out.push_str("<ol>");
    for i in items {
        let _ = write!(out, "<li>{}</li>", escape(i));
    }
    out.push_str("</ol>\n");
}

fn per_matter(out: &mut String, texts: &[MatterText]) {
    for t in texts {
        let _ = write!(out, "<h3>{}</h3>", escape(&t.name));
        list(out, &t.lines);
    }
}

pub fn page(guide: &Guide, flow_svg: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{name}办事指南</title>
<style>body{{font-family:serif;max-width:56em;margin:2em auto;line-height:1.6}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #333;padding:.3em;vertical-align:top}}h2{{border-bottom:1px solid #999}}.src{{font-size:.85em;color:#555}}svg{{max-width:100%;height:auto}}@media print{{.src{{color:#000}}}}</style>
</head><body>
<h1>{name}办事指南</h1>
<p>{desc}</p>
<p>牵头部门：{lead}</p>
"#,
        name = escape(&guide.name),
        desc = escape(&guide.description),
        lead = escape(&guide.lead_department.name),
    );

    s.push_str("<h2>一、申请条件</h2>");
    list(&mut s, &guide.conditions);

    let a = &guide.apply;
    let _ = write!(
        s,
        "<h2>二、申请方式</h2><p>窗口申请：{}（{}），办公时间 {}，咨询电话 {}。</p>",
        escape(&a.window),
        escape(&a.address),
        escape(&a.hours),
        escape(&a.phone)
    );
    if let Some(online) = &a.online {
        let _ = write!(s, "<p>网上申请：{}。</p>", escape(online));
    }
    let _ = writeln!(s, "<p>收费标准：{}</p>", escape(&guide.fees));

    s.push_str("<h2>三、设定依据</h2>");
    per_matter(&mut s, &guide.basis);

    s.push_str("<h2>四、申报材料</h2><p>一套材料：多个事项都需要的材料只交一次。</p><table><tr><th>序号</th><th>材料名称</th><th>提交要求</th><th>形式</th><th>电子证照</th><th>涉及事项</th></tr>\n");
    for (i, m) in guide.materials.iter().enumerate() {
        let mm = &m.material;
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            escape(&mm.name),
            escape(&requirement(&mm.requirement)),
            escape(&paper(mm.paper, mm.copies)),
            escape(
                &mm.elicense
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |e| format!("可用“{e}”电子证照代替"))
            ),
            escape(&m.needed_by.join("、")),
        );
    }
    s.push_str("</table>\n");

    let t = &guide.time_limits;
    s.push_str("<h2>五、办理时限</h2><table><tr><th>联办事项</th><th>联办部门</th><th>前置事项</th><th>承诺时限</th><th>法定时限</th></tr>\n");
    let name_of = |code: &String| matter_name(t, code).to_owned();
    for m in &t.matters {
        let before: Vec<String> = m.prerequisites.iter().map(name_of).collect();
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&m.name),
            escape(&m.department.name),
            escape(&before.join("、")),
            days(m.promised_days),
            days(m.legal_days),
        );
    }
    s.push_str("</table>\n");
    let path: Vec<String> = t.critical_path.iter().map(name_of).collect();
    match t.whole_promised_days {
        Some(whole) => {
            let _ = writeln!(
                s,
                "<p>全流程承诺时限：自窗口收件起不超过 {whole} 个工作日（网上申报另加 {} 个工作日确认收件）。最长环节：{}，承诺时限合计 {} 个工作日，另含各事项受理和结果反馈时间。</p>",
                t.online_intake_days,
                escape(&path.join(" → ")),
                t.critical_path_promised_days,
            );
        }
        None => s.push_str("<p>部分联办事项尚无现行审查规则，全流程时限暂无法计算。</p>\n"),
    }

    s.push_str("<h2>六、办理流程</h2><ol>");
    for step in &guide.process {
        let _ = write!(
            s,
            "<li><strong>{}</strong>：{}</li>",
            escape(&step.title),
            escape(&step.detail)
        );
    }
    s.push_str("</ol>\n");
    s.push_str(flow_svg);

    s.push_str("<h2>七、审查要点</h2>");
    per_matter(&mut s, &guide.review_points);

    s.push_str("<p class=\"src\">本指南由事项清单和各联办事项现行审查规则自动生成，规则调整后随之更新。规则版本：");
    let versions: Vec<String> = guide
        .generated_from
        .iter()
        .map(|r| {
            format!(
                "{} {}（{}）",
                r.matter,
                r.version,
                &r.sha256[..12.min(r.sha256.len())]
            )
        })
        .collect();
    s.push_str(&escape(&versions.join("；")));
    s.push_str("。</p>\n</body></html>\n");
    s
}

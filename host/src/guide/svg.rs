//! The flow chart (流程图, 第八条) as SVG: one box per node, columns left to right, parallel
//! matters stacked in one column, an arrow for every prerequisite.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Flow, FlowNode, NodeKind};
use crate::workflow::print::escape;

const BOX_W: u32 = 200;
const BOX_H: u32 = 72;
const COL_GAP: u32 = 64;
const ROW_GAP: u32 = 24;
const MARGIN: u32 = 16;
/// Characters of a matter name per line; names run to two lines.
const LINE_CHARS: usize = 12;

fn lines(label: &str) -> Vec<String> {
    let chars: Vec<char> = label.chars().collect();
    chars
        .chunks(LINE_CHARS)
        .take(2)
        .map(|c| c.iter().collect())
        .collect()
}

pub fn flow_chart(title: &str, flow: &Flow) -> String {
    let columns = flow.nodes.iter().map(|n| n.column).max().unwrap_or(0) + 1;
    let mut rows = vec![0u32; columns];
    for n in &flow.nodes {
        rows[n.column] = rows[n.column].max(n.row as u32 + 1);
    }
    let tallest = rows.iter().copied().max().unwrap_or(1);
    let column_h = |r: u32| r * BOX_H + r.saturating_sub(1) * ROW_GAP;
    let chart_h = column_h(tallest);
    let width = MARGIN * 2 + columns as u32 * BOX_W + (columns as u32 - 1) * COL_GAP;
    let height = MARGIN * 2 + chart_h + 28;

    // Top-left corner of each node; columns are centred vertically.
    let at: BTreeMap<&str, (u32, u32)> = flow
        .nodes
        .iter()
        .map(|n| {
            let x = MARGIN + n.column as u32 * (BOX_W + COL_GAP);
            let offset = (chart_h - column_h(rows[n.column])) / 2;
            let y = MARGIN + 28 + offset + n.row as u32 * (BOX_H + ROW_GAP);
            (n.id.as_str(), (x, y))
        })
        .collect();

    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" role="img" aria-label="{t}流程图">
<title>{t}流程图</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>
<text x="{MARGIN}" y="{ty}" font-size="16" font-weight="bold">{t}流程图</text>
"##,
        t = escape(title),
        ty = MARGIN + 14,
    );
    for a in &flow.arrows {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(a.from.as_str()), at.get(a.to.as_str()))
        else {
            continue;
        };
        let (sx, sy) = (x1 + BOX_W, y1 + BOX_H / 2);
        let (ex, ey) = (x2, y2 + BOX_H / 2);
        let bend = COL_GAP / 2;
        let _ = writeln!(
            svg,
            r##"<path class="arrow" data-from="{}" data-to="{}" d="M{sx},{sy} C{},{sy} {},{ey} {ex},{ey}" fill="none" stroke="#333" stroke-width="1.5" marker-end="url(#arrow)"/>"##,
            escape(&a.from),
            escape(&a.to),
            sx + bend,
            ex.saturating_sub(bend),
        );
    }
    for n in &flow.nodes {
        if let Some(&(x, y)) = at.get(n.id.as_str()) {
            node(&mut svg, n, x, y);
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn node(svg: &mut String, n: &FlowNode, x: u32, y: u32) {
    let (fill, radius) = match n.kind {
        NodeKind::Matter => ("#eef4fb", 4),
        NodeKind::Intake | NodeKind::Delivery => ("#fdf3e1", 24),
    };
    let _ = writeln!(
        svg,
        r##"<g class="node" data-id="{id}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="{radius}" fill="{fill}" stroke="#345"/>"##,
        id = escape(&n.id),
    );
    let mut text_lines: Vec<(String, u32)> = lines(&n.label).into_iter().map(|l| (l, 14)).collect();
    if let Some(d) = &n.department {
        text_lines.push((d.chars().take(16).collect(), 11));
    }
    if let Some(days) = n.promised_days {
        let when = if days == 0 {
            "即办".to_owned()
        } else {
            format!("承诺 {days} 个工作日")
        };
        text_lines.push((when, 11));
    }
    let total: u32 = text_lines.iter().map(|(_, s)| s + 3).sum();
    let mut baseline = y + (BOX_H.saturating_sub(total)) / 2;
    for (text, size) in text_lines {
        baseline += size + 3;
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" font-size="{size}" text-anchor="middle">{}</text>"#,
            x + BOX_W / 2,
            baseline - 3,
            escape(&text)
        );
    }
    svg.push_str("</g>\n");
}

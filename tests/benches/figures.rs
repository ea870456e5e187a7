//! 电子监察 at scale: a year of 1,000,000 archived cases with realistic spreads is loaded into a
//! real store by a bulk loader (not the HTTP path: each synthetic case and its audit events go
//! through the same `supervision::tally` the commits use, and the rows are written once), then
//! the bureau's dashboard query — a quarter's figures by department, over HTTP — is timed.
//!
//! Spreads: received on working days of 2026 with more on Mondays; 85% at the window across
//! twelve clerks, 15% online; two one-things (新生儿出生, 企业开办); 20% need one one-time notice and
//! 4% two; 3% of items refused with one of five reasons; decisions 0–4 working days after
//! acceptance, 2% of items suspended for 1–3 days; 1% of cases with an 电子证照 material.
//!
//! Then a month's 通报 is made from the same rows and timed in its parts and over HTTP.
//!
//! `cargo xtask bench` runs it; `--cases N` (default 1,000,000), `--queries N` (default 200);
//! `--only=figures` runs it alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lianban::store::{CaseStore, FigureStore};
use lianban::supervision::{FigureKey, Limits, Tally, tally};
use lianban::workflow::audit::Event;
use lianban::workflow::machine::Change;
use lianban::workflow::model::{Case, CorrectionNotice, ItemStatus, Suspension, SuspensionKind};
use lianban_e2e::{TestHost, bench_arg, bench_only, fixture, percentile, received_case};
use lianban_sdk::{Date, MaterialForm, WorkingCalendar};
use serde_json::json;

/// A small deterministic generator (xorshift): the same spreads on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(1000) < percent * 10
    }
}

fn event(at: Date, actor: &str, role: &str, change: Change) -> Event {
    Event {
        seq: 0,
        at: format!("{at}T10:00:00.000+08:00"),
        actor: actor.to_owned(),
        role: role.to_owned(),
        change,
        previous: String::new(),
        hash: String::new(),
    }
}

fn change(command: &str, matter: Option<&str>, reason: Option<&str>) -> Change {
    Change::new(command, matter, reason, String::new(), String::new())
}

const REASONS: [&str; 5] = [
    "申请人不属于本区管辖范围",
    "申请材料与原件不一致",
    "出生医学证明信息与登记信息不符",
    "经营范围涉及前置许可未取得",
    "重复申请",
];

/// One synthetic archived case made from `template`: its days, people and outcomes drawn.
fn synthetic(
    template: &Case,
    n: usize,
    received: Date,
    dice: &mut Dice,
    calendar: &WorkingCalendar,
) -> (Case, Vec<Event>) {
    let mut case = template.clone();
    case.id = format!("YJS-SYN-{n:07}");
    case.created_at = format!("{received}T09:30:00.000+08:00");
    let online = dice.chance(15);
    case.channel = if online {
        lianban_sdk::Channel::Online
    } else {
        lianban_sdk::Channel::Window
    };
    let clerk = format!("窗口{:02}", dice.below(12) + 1);
    let mut events = vec![event(
        received,
        if online { "豫事办" } else { &clerk },
        if online { "online-service" } else { "clerk" },
        change("submit", None, None),
    )];
    let notices = if dice.chance(4) {
        2
    } else {
        usize::from(dice.chance(20))
    };
    case.notices = (0..notices)
        .map(|_| CorrectionNotice {
            issued_at: case.created_at.clone(),
            items: Vec::new(),
        })
        .collect();
    let mut materials = case.materials.to_vec();
    if dice.chance(1)
        && let Some(m) = materials.first_mut()
    {
        m.form = MaterialForm::Elicense;
    }
    case.materials = materials.into();
    // Online: the window confirms within a working day or two.
    let distributed = if online {
        calendar
            .add_working_days(received, dice.below(2) as u32 + 1)
            .unwrap_or(received)
    } else {
        received
    };
    events.push(event(
        distributed,
        &clerk,
        "clerk",
        change("receive", None, None),
    ));
    for item in &mut case.items {
        let item = Arc::make_mut(item);
        let matter = item.matter.clone();
        let sent = calendar
            .add_working_days(distributed, dice.below(2) as u32)
            .unwrap_or(distributed);
        item.distributed_at = Some(format!("{sent}T10:00:00.000+08:00"));
        let answered = calendar
            .add_working_days(sent, u32::from(dice.chance(90)))
            .unwrap_or(sent);
        if dice.chance(3) {
            item.status = ItemStatus::Rejected;
            let reason = REASONS[dice.below(5) as usize];
            events.push(event(
                answered,
                "部门",
                "department",
                change("reject", Some(&matter), Some(reason)),
            ));
            continue;
        }
        item.status = ItemStatus::Decided;
        item.accepted_on = Some(answered);
        events.push(event(
            answered,
            "部门",
            "department",
            change("accept", Some(&matter), None),
        ));
        let mut working = 1 + u32::from(dice.chance(30)) * 4;
        let mut decided = calendar
            .add_working_days(answered, dice.below(5) as u32)
            .unwrap_or(answered);
        item.suspensions.clear();
        if dice.chance(2) {
            let stood = dice.below(3) as u32 + 1;
            let until = calendar
                .add_working_days(answered, stood)
                .unwrap_or(answered);
            item.suspensions.push(Suspension {
                kind: SuspensionKind::Testing,
                reason: "检验检测".into(),
                from: answered,
                until: Some(until),
            });
            working += stood;
            decided = calendar.add_working_days(decided, stood).unwrap_or(decided);
        }
        if let Some(due) = &mut item.decision_due {
            due.working_days = working;
        }
        let mut decide = change("decide", Some(&matter), None);
        decide.outcome = Some(if dice.chance(2) { "deny" } else { "approve" }.into());
        events.push(event(decided, "部门", "department", decide));
    }
    (case, events)
}

/// Times `queries` dashboard queries and prints their p50 and p99.
async fn report(host: &TestHost, admin: &str, queries: usize, label: &str, query: &str) {
    let url = host.url(&format!("/api/v1/supervision/figures?{query}"));
    let mut times = Vec::with_capacity(queries);
    let mut received = 0;
    for _ in 0..queries {
        let start = Instant::now();
        let r = host
            .client
            .get(&url)
            .bearer_auth(admin)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let body: serde_json::Value = r.json().await.unwrap();
        times.push(start.elapsed());
        received = body["total"]["received"].as_u64().unwrap_or(0);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "| {label} | {received} | {:.1} | {:.1} |",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99))
    );
}

/// 通报: a month's report made from its rows — read, summed, written as a workbook, its charts
/// drawn — timed in parts; then over HTTP, the first request (made and frozen) beside the
/// frozen report answered again, and its workbook.
async fn monthly_report(host: &TestHost, admin: &str, runs: usize) {
    use lianban::supervision::assessment::Weights;
    use lianban::supervision::report::{Period, Sources, build, charts, xlsx};

    let period: Period = "2026-10".parse().unwrap();
    let (from, to) = period.days();
    let store = host.state.store.clone();
    let (mut reading, mut building, mut writing, mut drawing) = (vec![], vec![], vec![], vec![]);
    let mut size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let rows = store.figures(from, to).unwrap();
        reading.push(t.elapsed());
        let t = Instant::now();
        let made = build(
            period,
            &rows,
            Sources {
                ratings: &[],
                names: BTreeMap::new(),
                weights: &Weights::default(),
                generated_at: "2026-11-27T12:00:00.000+08:00".into(),
            },
        );
        building.push(t.elapsed());
        let t = Instant::now();
        size = xlsx::workbook(&made).unwrap().len();
        writing.push(t.elapsed());
        let t = Instant::now();
        charts::draw(&made).unwrap();
        drawing.push(t.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = |mut v: Vec<Duration>| {
        v.sort();
        ms(percentile(&v, 0.5))
    };
    println!("\n| October's 通报 ({runs} runs, in process) | median ms |");
    println!("|---|---:|");
    println!("| read the month's rows | {:.1} |", median(reading));
    println!("| sum into the report | {:.1} |", median(building));
    println!(
        "| write the workbook ({size} bytes) | {:.1} |",
        median(writing)
    );
    println!("| draw the charts | {:.1} |", median(drawing));

    let get = |path: &str| host.client.get(host.url(path)).bearer_auth(admin).send();
    let t = Instant::now();
    let first = get("/api/v1/supervision/reports/2026-10").await.unwrap();
    assert!(first.status().is_success());
    let first = t.elapsed();
    let mut again = Vec::new();
    let mut workbook = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = get("/api/v1/supervision/reports/2026-10").await.unwrap();
        r.bytes().await.unwrap();
        again.push(t.elapsed());
        let t = Instant::now();
        let r = get("/api/v1/supervision/reports/2026-10/xlsx")
            .await
            .unwrap();
        r.bytes().await.unwrap();
        workbook.push(t.elapsed());
    }
    println!("\n| October's 通报 over HTTP | ms |");
    println!("|---|---:|");
    println!("| first request: made and frozen | {:.1} |", ms(first));
    println!(
        "| frozen, asked again (median of {runs}) | {:.1} |",
        median(again)
    );
    println!(
        "| its workbook (median of {runs}) | {:.1} |",
        median(workbook)
    );
}

fn main() {
    if bench_only().is_some_and(|o| o != "figures") {
        return;
    }
    let cases = bench_arg("--cases", 1_000_000) as usize;
    let queries = bench_arg("--queries", 200) as usize;
    let rt = lianban_e2e::bench_runtime();
    rt.block_on(async move {
        let host = TestHost::start().await;
        host.install_demo_plugins().await;
        let clerk = host.tokens.clerk.clone();
        // The templates: a real newborn case and a real business start-up, as committed.
        let newborn = received_case(&host, &clerk).await;
        let scan = host.scan(&clerk).await;
        let mut app = fixture("business-window-complete");
        for m in app["materials"].as_array_mut().unwrap() {
            m["files"] = json!([scan]);
        }
        let (s, business) = host
            .post(
                "/api/v1/cases",
                &clerk,
                &json!({
                    "one_thing": "business-startup", "channel": "window",
                    "applicant": { "name": "赵敏", "id_number": "410721198808081230", "mobile": "13912345678" },
                    "fields": app["fields"], "materials": app["materials"],
                    "delivery": { "mode": "together" },
                }),
            )
            .await;
        assert!(s.is_success(), "{business}");
        let store = host.state.store.clone();
        let templates: Vec<Case> = [newborn.as_str(), business["id"].as_str().unwrap()]
            .iter()
            .map(|id| Case::clone(&store.case(id).unwrap().unwrap()))
            .collect();
        let calendar = host.state.calendar.current();
        let mut days = Vec::new();
        let mut day = Date::ymd(2026, 1, 5);
        while day <= Date::ymd(2026, 11, 27) {
            if calendar.is_working_day(day).unwrap_or(false) {
                days.push(day);
                // Mondays are busier.
                if day.weekday() == 1 {
                    days.push(day);
                }
            }
            day = day.add_days(1).unwrap();
        }

        // The bulk load: every synthetic case through `tally`, the rows written once.
        let legal = |_: &Case, _: &str| Some(20);
        let limits = Limits {
            calendar: &calendar,
            legal_days: &legal,
        };
        let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
        let mut rows: BTreeMap<FigureKey, Tally> = BTreeMap::new();
        let started = Instant::now();
        let mut tallying = Duration::ZERO;
        for n in 0..cases {
            let template = &templates[usize::from(dice.chance(35))];
            let received = days[dice.below(days.len() as u64) as usize];
            let (case, events) = synthetic(template, n, received, &mut dice, &calendar);
            let t = Instant::now();
            let added = tally(&case, &events, &limits);
            tallying += t.elapsed();
            for (key, t) in added {
                rows.entry(key).or_default().add(&t);
            }
        }
        let generated = started.elapsed();
        let rows: Vec<(FigureKey, Tally)> = rows.into_iter().collect();
        let started = Instant::now();
        store.replace_figures(&rows).unwrap();
        let written = started.elapsed();
        println!("# 电子监察 figures at scale ({} cores)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
        println!(
            "\n{cases} synthetic archived cases → {} figure rows; generated and tallied in {:.1} s ({:.2} µs per case in `tally`, what a rebuild spends per case besides reading it), written in {:.1} s",
            rows.len(),
            generated.as_secs_f64(),
            tallying.as_secs_f64() * 1e6 / cases as f64,
            written.as_secs_f64(),
        );

        // The dashboard: a quarter by department, over HTTP as the console asks it, beside the
        // same query for one month.
        let admin = host.tokens.admin.clone();
        println!("\n| dashboard query ({queries} each, over HTTP) | cases in it | p50 ms | p99 ms |");
        println!("|---|---:|---:|---:|");
        for (label, query) in [
            ("quarter by department", "from=2026-07-01&to=2026-09-30&by=department"),
            ("month by department", "from=2026-09-01&to=2026-09-30&by=department"),
            ("quarter by clerk", "from=2026-07-01&to=2026-09-30&by=clerk"),
        ] {
            report(&host, &admin, queries, label, query).await;
        }
        monthly_report(&host, &admin, queries.min(50)).await;
        drop(host.stop().await);
    });
}

//! A few weeks of generated history for the demo, so that the bureau's dashboard, its 通报
//! and the 差评 loop show something real on the first start: the demo's one-things taken in
//! at the window each working day, accepted, decided (mostly in time, some late, a few
//! refused), returned, delivered and rated — all through the workflow's own commands with the
//! clock set back, so the audit trails, figures and ratings are what real use would leave.
//! Seeded, so every fresh demo tells the same story.

use chrono::{DateTime, Utc};
use lianban_sdk::Date;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::AppState;
use crate::clock::china_moment;
use crate::ratings::{NewRating, RatingChannel};
use crate::store::CaseStore;
use crate::workflow::service::{Actor, DepartmentAction, IntakeRequest, WindowAction};
use crate::workflow::{CaseStatus, ItemStatus, Outcome, ResultDocument};

/// The complete applications of the demo's one-things (the plugins' fixtures, dated for
/// 2026-11-27), and how often each comes in.
const APPLICATIONS: [(&str, u32); 5] = [
    (
        include_str!("../../../plugins/fixtures/newborn-window-complete.json"),
        5,
    ),
    (
        include_str!("../../../plugins/fixtures/business-window-complete.json"),
        2,
    ),
    (
        include_str!("../../../plugins/fixtures/restaurant-window-complete.json"),
        1,
    ),
    (
        include_str!("../../../plugins/fixtures/retirement-window-complete.json"),
        2,
    ),
    (
        include_str!("../../../plugins/fixtures/bereavement-window-complete.json"),
        1,
    ),
];

/// The day the fixtures were written for; their dates move with the day a case comes in.
const FIXTURE_DAY: Date = Date {
    year: 2026,
    month: 11,
    day: 27,
};

const CLERKS: [&str; 2] = ["王敏", "韩梅"];

const REFUSALS: [&str; 3] = [
    "申请人不符合办理条件",
    "所附材料与原件不一致",
    "不属于本部门办理范围",
];

/// What the history left.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct History {
    pub cases: usize,
    pub delivered: usize,
    pub ratings: usize,
    /// Commands the workflow refused on the way (the story goes on without them).
    pub refused: usize,
}

/// Moves the platform's clock: to a moment of the past, or back to now (`None`).
pub type Travel<'a> = &'a dyn Fn(Option<DateTime<Utc>>);

/// A fixture's application, its dates moved to keep their distance from `day`.
fn application(fixture: &str, day: Date, scan: &str) -> Option<IntakeRequest> {
    let mut app: Value = serde_json::from_str(fixture).ok()?;
    let shift = FIXTURE_DAY.days_until(day);
    if let Some(fields) = app["fields"].as_object_mut() {
        for value in fields.values_mut() {
            let moved = value
                .as_str()
                .and_then(|s| s.parse::<Date>().ok())
                .and_then(|d| d.add_days(shift));
            if let Some(moved) = moved {
                *value = Value::from(moved.to_string());
            }
        }
    }
    let id_number = app["fields"]["applicant.id-number"].clone();
    let mut materials = app["materials"].as_array().cloned().unwrap_or_default();
    for m in &mut materials {
        m["files"] = json!([scan]);
        m["original_kept_at_window"] = json!(m["form"] == "original");
    }
    serde_json::from_value(json!({
        "one_thing": app["one_thing"],
        "channel": "window",
        "applicant": { "name": "演示申请人", "id_number": id_number, "mobile": "13800000000" },
        "fields": app["fields"],
        "materials": materials,
        "delivery": { "mode": "together" },
    }))
    .ok()
}

/// Generates `weeks` weeks of history ending yesterday, unless there are cases already.
pub fn generate(state: &AppState, weeks: i64, travel: Travel<'_>) -> Result<History, String> {
    let mut history = History::default();
    if !state
        .store
        .case_ids()
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        return Ok(history);
    }
    let today = state.clock.today();
    let scan = state
        .workflow
        .files
        .put(b"%PDF-1.7\n% a scanned material of the demo\n")
        .map_err(|e| e.to_string())?
        .sha256;
    let mut rng = StdRng::seed_from_u64(20261127);
    let mut open: Vec<String> = Vec::new();
    let calendar = state.calendar.current();
    let mut day = today
        .add_days(-7 * weeks)
        .ok_or("the history's first day")?;
    let result = (|| {
        while day < today {
            if calendar.is_working_day(day).unwrap_or(false) {
                travel(china_moment(day, 9, 30));
                take_in(state, &mut rng, day, &scan, &mut open, &mut history);
                travel(china_moment(day, 15, 0));
                work_on(state, &mut rng, day, &mut open, &mut history);
            }
            day = day.add_days(1).ok_or("the history's next day")?;
        }
        Ok::<_, String>(())
    })();
    travel(None);
    result.map(|()| history)
}

fn take_in(
    state: &AppState,
    rng: &mut StdRng,
    day: Date,
    scan: &str,
    open: &mut Vec<String>,
    history: &mut History,
) {
    for (fixture, weight) in APPLICATIONS {
        let count = (0..weight).filter(|_| rng.random_bool(0.6)).count();
        for _ in 0..count {
            let clerk = Actor {
                name: CLERKS[rng.random_range(0..CLERKS.len())].into(),
                role: "clerk".into(),
            };
            let Some(request) = application(fixture, day, scan) else {
                history.refused += 1;
                continue;
            };
            match state.workflow.intake(&clerk, request, None) {
                Ok(c) => {
                    history.cases += 1;
                    open.push(c.case.id.clone());
                }
                Err(e) => {
                    tracing::debug!(error = %e, "a demo case was not taken in");
                    history.refused += 1;
                }
            }
        }
    }
}

/// One afternoon of the departments and the window on every open case.
fn work_on(
    state: &AppState,
    rng: &mut StdRng,
    today: Date,
    open: &mut Vec<String>,
    history: &mut History,
) {
    let window = Actor {
        name: CLERKS[0].into(),
        role: "clerk".into(),
    };
    let mut still_open = Vec::new();
    for id in open.drain(..) {
        // Acceptance first, then — on the case as it now stands — decisions, so a matter
        // promised the same day (即办) is decided the afternoon it is accepted.
        for deciding in [false, true] {
            let Ok(case) = state.workflow.case(&id) else {
                break;
            };
            for item in &case.items {
                let department = Actor {
                    name: format!("{}经办人", item.department),
                    role: format!("department:{}", item.department),
                };
                let mut act = |action| {
                    let done = state.workflow.department(
                        &department,
                        &item.department,
                        &id,
                        &item.matter,
                        action,
                        None,
                    );
                    history.refused += usize::from(done.is_err());
                    done.is_ok()
                };
                match item.status {
                    // Most answer within the working day of 第十五条; a few refuse.
                    ItemStatus::Distributed if !deciding && rng.random_bool(0.85) => {
                        if rng.random_bool(0.04) {
                            let reason = REFUSALS[rng.random_range(0..REFUSALS.len())];
                            act(DepartmentAction::Reject {
                                reason: reason.into(),
                            });
                        } else {
                            act(DepartmentAction::Accept);
                        }
                    }
                    // Most decide by the promised day, some a little after.
                    ItemStatus::Accepted if deciding => {
                        let due = item.decision_due.as_ref().and_then(|d| d.due);
                        let chance = if due.is_none_or(|due| due <= today) {
                            0.85
                        } else {
                            0.3
                        };
                        if !rng.random_bool(chance) {
                            continue;
                        }
                        let decided = act(DepartmentAction::Decide {
                            outcome: Outcome::Approve,
                            reason: None,
                            documents: vec![ResultDocument {
                                name: format!("{}办理结果", item.name),
                                file: None,
                                elicense_number: Some(format!("DEMO-{id}-{}", item.matter)),
                            }],
                        });
                        if decided && act(DepartmentAction::ReturnResult) {
                            let receive = WindowAction::ReceiveResult {
                                matter: item.matter.clone(),
                            };
                            let received = state.workflow.window(&window, &id, receive, None);
                            history.refused += usize::from(received.is_err());
                        }
                    }
                    _ => {}
                }
            }
        }
        let Ok(case) = state.workflow.case(&id) else {
            continue;
        };
        match case.status {
            CaseStatus::Completed if rng.random_bool(0.7) => {
                let deliver = WindowAction::Deliver {
                    tracking_number: None,
                };
                match state.workflow.window(&window, &id, deliver, None) {
                    Ok(done) => {
                        history.delivered += 1;
                        if rng.random_bool(0.6) {
                            history.ratings += usize::from(rate(state, rng, &done.case));
                        }
                    }
                    Err(_) => {
                        history.refused += 1;
                        still_open.push(id);
                    }
                }
            }
            CaseStatus::InProgress | CaseStatus::Completed | CaseStatus::Submitted => {
                still_open.push(id)
            }
            _ => {}
        }
    }
    *open = still_open;
}

/// A rating at the window's pad: mostly content, now and then a 差评 that opens the loop.
fn rate(state: &AppState, rng: &mut StdRng, case: &crate::workflow::Case) -> bool {
    let (overall, reasons) = match rng.random_range(0..100) {
        0..=54 => ("very_satisfied", vec!["一次办成", "办理速度快"]),
        55..=84 => ("satisfied", vec!["一次办成"]),
        85..=93 => ("fairly_satisfied", vec![]),
        _ => ("dissatisfied", vec!["办理超时"]),
    };
    // Half of them rate each matter too, as they rated the whole: that is what a
    // department's satisfaction is counted from.
    let matters: serde_json::Map<String, Value> = if rng.random_bool(0.5) {
        case.items
            .iter()
            .map(|i| (i.matter.clone(), Value::from(overall)))
            .collect()
    } else {
        serde_json::Map::new()
    };
    let rating: Result<NewRating, _> = serde_json::from_value(json!({
        "overall": overall,
        "matters": matters,
        "reasons": reasons,
    }));
    let Ok(rating) = rating else {
        return false;
    };
    state
        .ratings
        .rate(
            case,
            &case.applicant.id_number,
            RatingChannel::Window,
            rating,
        )
        .is_ok()
}

//! 考核 (第二十三条, 第十一条): a quarterly score per department and per window clerk from the
//! figures, so the bureau sees who lags. Each score is a weighted mean of rates in 0–100; a
//! rate with nothing counted under it (a clerk who took in no online case, say) is left out
//! and the other weights share its place. The weights are configuration: districts weigh
//! differently.

use serde::{Deserialize, Serialize};

use super::summary::{FigureRow, Grouping, summarize};
use super::{FigureKey, Tally};

/// Weights of the rates that make a score.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Weights {
    /// Departments: 按时办结率.
    pub on_time: f64,
    /// Departments: acceptance decisions within one working day (第十五条).
    pub acceptance_in_time: f64,
    /// Departments: 办结率.
    pub completion: f64,
    /// Departments: 1 − 不予受理率.
    pub accepted: f64,
    /// Clerks: receipts within one working day (第十四条).
    pub intake_in_time: f64,
    /// Clerks: cases received complete without a second notice, as 1 − notices per case
    /// beyond the first.
    pub one_notice: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            on_time: 0.4,
            acceptance_in_time: 0.3,
            completion: 0.2,
            accepted: 0.1,
            intake_in_time: 0.6,
            one_notice: 0.4,
        }
    }
}

/// One department's or clerk's score, with the figures it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Score {
    pub group: String,
    /// 0–100; none when nothing was counted.
    pub score: Option<f64>,
    pub figures: FigureRow,
}

fn weighted(parts: &[(f64, Option<f64>)]) -> Option<f64> {
    let (sum, weight) = parts
        .iter()
        .filter_map(|(w, rate)| rate.map(|r| (w * r, *w)))
        .fold((0.0, 0.0), |(s, t), (x, w)| (s + x, t + w));
    (weight > 0.0).then(|| 100.0 * sum / weight)
}

fn department_score(row: &FigureRow, w: &Weights) -> Option<f64> {
    weighted(&[
        (w.on_time, row.on_time_rate),
        (w.acceptance_in_time, row.acceptance_in_time_rate),
        (w.completion, row.completion_rate),
        (w.accepted, row.rejection_rate.map(|r| 1.0 - r)),
    ])
}

fn clerk_score(row: &FigureRow, w: &Weights) -> Option<f64> {
    weighted(&[
        (w.intake_in_time, row.intake_in_time_rate),
        (
            w.one_notice,
            row.notices_per_case
                .zip(row.correction_share)
                .map(|(per_case, share)| (1.0 - (per_case - share)).clamp(0.0, 1.0)),
        ),
    ])
}

/// Scores of the period's departments and clerks, lowest first (who lags comes first).
pub fn assess(
    period: (lianban_sdk::Date, lianban_sdk::Date),
    rows: &[(FigureKey, Tally)],
    weights: &Weights,
) -> (Vec<Score>, Vec<Score>) {
    let score = |by: Grouping, f: fn(&FigureRow, &Weights) -> Option<f64>| {
        let mut scores: Vec<Score> = summarize(period, rows, by)
            .groups
            .into_iter()
            // What applicants did online has no clerk to score.
            .filter(|g| !g.group.is_empty())
            .map(|figures| Score {
                group: figures.group.clone(),
                score: f(&figures, weights),
                figures,
            })
            .collect();
        scores.sort_by(|a, b| {
            a.score
                .unwrap_or(f64::MAX)
                .total_cmp(&b.score.unwrap_or(f64::MAX))
        });
        scores
    };
    (
        score(Grouping::Department, department_score),
        score(Grouping::Clerk, clerk_score),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_rate_leaves_its_weight_to_the_others() {
        assert_eq!(weighted(&[(0.4, Some(1.0)), (0.6, None)]), Some(100.0));
        assert_eq!(weighted(&[(0.5, Some(1.0)), (0.5, Some(0.5))]), Some(75.0));
        assert_eq!(weighted(&[(0.5, None)]), None);
    }
}

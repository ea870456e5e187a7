//! Complaints (投诉, 第二十五条: 涉及差评或投诉的…): a complaint about a case opens a record of
//! the 差评 loop, at any stage of the case, verified and followed like a 差评.

use super::model::{RatingError, Ratings};
use super::rectification::{Rectification, Source, Stage, written};
use crate::workflow::clocks::ClockState;

type Result<T> = std::result::Result<T, RatingError>;

impl Ratings {
    /// A complaint (投诉, 第二十五条) about case `case_id` by `person` — the applicant or
    /// their agent — opens a record like a 差评 does, at any stage of the case. One at a
    /// time: while a record of the same case and person is being verified, another is refused.
    pub fn complain(
        &self,
        (case_id, one_thing): (&str, &str),
        person: &str,
        source: Source,
        text: &str,
    ) -> Result<Rectification> {
        let text = written(text, "投诉内容")?;
        let rater = self.rater(person);
        let _one = self.loop_commands.lock().unwrap_or_else(|p| p.into_inner());
        let pending = self
            .store
            .rectifications()?
            .into_iter()
            .find(|r| r.case_id == case_id && r.rater == rater && r.stage == Stage::Verifying);
        if let Some(pending) = pending {
            return Err(RatingError::InHand(pending.id));
        }
        let record = self.opened(
            (case_id, one_thing),
            &rater,
            source,
            format!("投诉：{text}"),
        )?;
        self.store.put_rectification(&record, &[])?;
        Ok(record)
    }

    /// The records of case `case_id`: all of them, or only those `person` opened.
    pub fn rectifications_of(
        &self,
        case_id: &str,
        person: Option<&str>,
    ) -> Result<Vec<(Rectification, Option<ClockState>)>> {
        let rater = person.map(|p| self.rater(p));
        Ok(self
            .rectifications()?
            .into_iter()
            .filter(|(r, _)| r.case_id == case_id)
            .filter(|(r, _)| rater.as_ref().is_none_or(|h| *h == r.rater))
            .collect())
    }
}

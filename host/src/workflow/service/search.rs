//! Finding cases for the window and the departments (第十条 统一反馈: the window answers for
//! every case): by case or receipt number, the applicant's identity number, one-thing, status
//! and the day it was taken in, newest first, within what the caller may see.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::{Result, Workflow};
use crate::workflow::{Case, CaseStatus};

/// What to look for; every given part must match.
#[derive(Clone, Debug, Default)]
pub struct CaseQuery {
    /// A case number or a receipt number.
    pub number: Option<String>,
    /// The applicant's (or agent's) identity number, found through the blind index.
    pub id_number: Option<String>,
    pub one_thing: Option<String>,
    pub status: Option<CaseStatus>,
    /// The first and last day taken in, in China Standard Time.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only cases with an item sent to this department (the caller is that department).
    pub department: Option<String>,
    pub limit: usize,
}

impl CaseQuery {
    fn matches(&self, case: &Case) -> bool {
        if case.anonymised_at.is_some() {
            return false;
        }
        if let Some(n) = &self.number
            && case.id != *n
            && case.receipt.as_ref().is_none_or(|r| r.number != *n)
        {
            return false;
        }
        if self
            .one_thing
            .as_ref()
            .is_some_and(|o| case.one_thing != *o)
            || self.status.is_some_and(|s| case.status != s)
        {
            return false;
        }
        if let Some(d) = &self.department
            && !case
                .items
                .iter()
                .any(|i| i.department == *d && i.distributed_at.is_some())
        {
            return false;
        }
        if self.from.is_some() || self.to.is_some() {
            let Some(day) = day_taken_in(&case.created_at) else {
                return false;
            };
            if self.from.is_some_and(|f| day < f) || self.to.is_some_and(|t| day > t) {
                return false;
            }
        }
        true
    }
}

fn day_taken_in(created_at: &str) -> Option<NaiveDate> {
    let beijing = FixedOffset::east_opt(8 * 3600)?;
    let at = DateTime::parse_from_rfc3339(created_at).ok()?;
    Some(at.with_timezone(&beijing).date_naive())
}

impl Workflow {
    /// The cases `query` finds, newest first, at most `query.limit`. With an identity number
    /// the person's index is read; otherwise case numbers are walked from the newest (they
    /// begin with the day), each case read until the page is full.
    pub fn search(&self, query: &CaseQuery) -> Result<Vec<Arc<Case>>> {
        let ids = match (&query.id_number, &query.number) {
            (Some(person), _) => self.store.cases_of_person(person)?,
            (None, Some(n)) if self.store.case(n)?.is_some() => vec![n.clone()],
            _ => self.store.case_ids()?,
        };
        let mut found = Vec::new();
        for id in ids.into_iter().rev() {
            if found.len() >= query.limit {
                break;
            }
            if let Some(case) = self.store.case(&id)?
                && query.matches(&case)
            {
                found.push(case);
            }
        }
        Ok(found)
    }
}

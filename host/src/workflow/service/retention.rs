//! Retention after archive (个人信息保护法第十九条、第四十七条: kept no longer than the purpose
//! needs): an archived case's personal values are replaced once its period has passed, on its
//! audit trail; the archive record — numbers, matters, decisions, dates — stays. The material
//! files only such cases used are deleted.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Actor, Result, ServiceError, Workflow};
use crate::store::StoreError;
use crate::workflow::machine::{Change, state_of};
use crate::workflow::model::Case;
use crate::workflow::personal::visit_case;

/// What an anonymised case holds in place of each personal value.
pub const ANONYMISED: &str = "（已匿名化）";

/// What one pass over archived cases did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Anonymised {
    pub cases: Vec<String>,
    pub files_deleted: usize,
}

/// The material files a case refers to: scans, the 委托书, result documents.
fn files_of(case: &Case) -> impl Iterator<Item = String> + '_ {
    let materials = case.materials.iter().flat_map(|m| m.files.iter().cloned());
    let authorization = case.agent.iter().map(|a| a.authorization.clone());
    let results = case
        .items
        .iter()
        .filter_map(|i| i.decision.as_ref())
        .flat_map(|d| d.documents.iter().filter_map(|doc| doc.file.clone()));
    materials.chain(authorization).chain(results)
}

impl Workflow {
    /// Anonymises every archived case archived before `cutoff` (a record timestamp) and not
    /// anonymised yet, then deletes the files no case that keeps its personal data refers to.
    pub fn anonymise_archived_before(&self, cutoff: &str) -> Result<Anonymised> {
        let system = Actor {
            name: "保存期限".into(),
            role: "system".into(),
        };
        let archived = self.store.archived_cases()?;
        let (due, keep): (Vec<_>, Vec<_>) = archived.iter().partition(|c| {
            c.anonymised_at.is_none() && c.archived_at.as_deref().is_some_and(|at| at < cutoff)
        });
        let mut done = Anonymised::default();
        if due.is_empty() {
            return Ok(done);
        }
        let mut released = BTreeSet::new();
        for case in due {
            released.extend(files_of(case));
            let mut next = Case::clone(case);
            let _ = visit_case(&mut next, |_, _, value| {
                *value = ANONYMISED.to_owned();
                Ok::<_, std::convert::Infallible>(())
            });
            next.anonymised_at = Some(self.clock.stamp());
            next.revision += 1;
            let state = state_of(case, None);
            let change = Change::new("anonymise", None, Some("retention"), state.clone(), state);
            let head = self.store.head(&case.id)?;
            self.commit(
                &system,
                Arc::new(next),
                Some(case.revision),
                head,
                &[change],
                &[],
                None,
            )?;
            done.cases.push(case.id.clone());
        }
        let open = self.store.open_cases()?;
        let kept: BTreeSet<String> = open
            .iter()
            .map(|c| &**c)
            .chain(
                keep.into_iter()
                    .filter(|c| c.anonymised_at.is_none())
                    .map(|c| &**c),
            )
            .flat_map(files_of)
            .collect();
        for file in released.difference(&kept) {
            let removed = self.files.remove(file).map_err(|e| {
                ServiceError::Store(StoreError::Backend(format!("material file {file}: {e}")))
            })?;
            done.files_deleted += usize::from(removed);
        }
        Ok(done)
    }
}

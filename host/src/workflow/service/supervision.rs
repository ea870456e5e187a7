//! The supervisor's pass over open cases.

use super::{Actor, Result, ServiceError, Workflow};
use crate::workflow::clocks::{self, ClockState};
use crate::workflow::machine::Command;
use crate::workflow::model::{Card, CardLevel, Case};

impl Workflow {
    /// The supervisor's pass over open cases (电子监察, 第二十四条): settle due dates whose
    /// year has since been loaded, and raise each yellow card (a clock used its share of the
    /// promised days) and red card (overdue) once, on the case's audit trail; the department
    /// is told through its system and its duty phone. Returns the alerts raised.
    pub fn tick(&self) -> Result<Vec<(String, String)>> {
        let system = Actor {
            name: "电子监察".into(),
            role: "system".into(),
        };
        let today = self.clock.today();
        let mut raised = Vec::new();
        for case in self.store.open_cases()? {
            let calendar = self.calendar.current();
            let mut probe = Case::clone(&case);
            if clocks::settle_provisional(&mut probe, &calendar) {
                match self.execute(&system, &case.id, None, |_, _| Ok(Command::SettleDeadlines)) {
                    Ok(_) | Err(ServiceError::Workflow(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            let Some(case) = self.store.case(&case.id)? else {
                continue;
            };
            for clock in clocks::running(&case, today, &calendar, self.yellow_share) {
                let level = match clock.state {
                    ClockState::Warning => CardLevel::Yellow,
                    ClockState::Overdue => CardLevel::Red,
                    // Suspended clocks (特别程序) stand still and do not warn.
                    _ => continue,
                };
                let card = Card {
                    clock: clock.key(),
                    level,
                    matter: clock.matter.clone(),
                    department: clock.department.clone(),
                    due: clock.due,
                    raised_at: self.clock.stamp(),
                    explanation: None,
                };
                let alert = card.alert();
                if case.alerts.contains(&alert) {
                    continue;
                }
                match self.execute(&system, &case.id, None, |_, _| {
                    Ok(Command::RaiseAlert {
                        alert: alert.clone(),
                        card: card.clone(),
                    })
                }) {
                    Ok(_) => raised.push((case.id.clone(), alert)),
                    // Raised meanwhile, or the case moved on: nothing to do.
                    Err(ServiceError::Workflow(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(raised)
    }
}

impl Workflow {
    /// A department's written explanation of a red card on one of its clocks, kept with the
    /// case and on its audit trail.
    pub fn explain_card(
        &self,
        actor: &Actor,
        department: &str,
        id: &str,
        clock: &str,
        text: &str,
        remember: Option<&super::Remember<'_>>,
    ) -> Result<super::Committed> {
        self.execute(actor, id, remember, |case, _| {
            let theirs = case
                .cards
                .iter()
                .any(|c| c.clock == clock && c.department.as_deref() == Some(department));
            if !theirs {
                return Err(ServiceError::Forbidden("只能说明本部门计时上的红牌".into()));
            }
            Ok(Command::ExplainCard {
                clock: clock.to_owned(),
                text: text.to_owned(),
                by: actor.name.clone(),
            })
        })
    }
}

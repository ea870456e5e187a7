//! The supervisor's pass over open cases.

use super::{Actor, Result, ServiceError, Workflow};
use crate::workflow::clocks::{self, ClockState};
use crate::workflow::machine::Command;
use crate::workflow::model::Case;

impl Workflow {
    /// The supervisor's pass over open cases (电子监察, 第二十四条): settle due dates whose
    /// year has since been loaded, and raise each warning (due within one working day) and
    /// each overdue once, on the case's audit trail. Returns the alerts raised.
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
            for clock in clocks::running(&case, today, &calendar) {
                let level = match clock.state {
                    ClockState::Warning => "warning",
                    ClockState::Overdue => "overdue",
                    _ => continue,
                };
                let alert = format!("{}:{level}", clock.key());
                if case.alerts.contains(&alert) {
                    continue;
                }
                match self.execute(&system, &case.id, None, |_, _| {
                    Ok(Command::RaiseAlert {
                        alert: alert.clone(),
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

//! 电子监察 (第二十四条): the figures the bureau reports on — how many cases came in, how many
//! were refused, how long intake and handling took, how many were finished on time — kept as
//! commands commit and rebuilt from the audit events on demand.
//!
//! Definitions, and why each is defined so, are in `docs/supervision-figures.md`.

pub mod assessment;
pub mod figures;
pub mod report;
pub mod summary;

pub use figures::{FigureKey, Limits, Tally, tally};
pub use summary::{Grouping, Summary, summarize};

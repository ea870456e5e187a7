//! 好差评 (第二十五条, after the 河南省政务服务“好差评”工作制度): after delivery the applicant
//! rates the whole one-thing and, if they wish, each matter, on five levels, with reasons from a
//! list and a comment — at the window's rating pad, online, or from the SMS link. One rating per
//! case and person, which they may change within a configurable number of days. The public sees
//! satisfaction per department and one-thing, counted as ratings are given, never who rated:
//! raters are kept as a keyed hash of their identity number.

mod complaints;
pub mod link;
mod model;
pub mod rectification;
pub mod warnings;

pub use model::{
    Aggregate, Level, NewRating, REASONS, Rating, RatingChannel, RatingError, RatingRules, Ratings,
    Tally, aggregate_changes,
};
pub use rectification::{Rectification, Source, Stage};

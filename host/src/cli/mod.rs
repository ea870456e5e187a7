//! Command-line pieces too long for `main.rs`.

pub mod demo;
pub mod identity;
pub mod keys;

//! negsim: Monte Carlo simulation of multilateral negotiations.
//!
//! A [`scenario::Scenario`] describes terms, agents and settings; [`model::Model`] compiles it;
//! [`montecarlo::simulate`] plays many runs in parallel under a [`protocol`]; [`report`] turns
//! the tallies into tables, JSON and CSV.

pub mod check;
pub mod cli;
pub mod dist;
pub mod error;
pub mod generate;
pub mod model;
pub mod montecarlo;
pub mod offer;
pub mod protocol;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod stats;
pub mod strategy;
pub mod trace;

pub use error::{Error, InputError, Result};
pub use scenario::Scenario;

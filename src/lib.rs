//! negsim: Monte Carlo simulation of multilateral negotiations.
//!
//! A [`scenario::Scenario`] describes terms, agents and settings; [`model::Model`] compiles it;
//! [`montecarlo::simulate`] plays many runs in parallel under a [`protocol`]; [`report`] turns
//! the tallies into tables, JSON and CSV.

pub mod analysis;
pub mod batch;
pub mod check;
pub mod cli;
pub mod dist;
pub mod error;
pub mod estimate;
pub mod generate;
pub mod html;
pub mod import;
pub mod init;
pub mod interrupt;
pub mod model;
pub mod montecarlo;
pub mod offer;
pub mod play;
pub mod progress;
pub mod protocol;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod stats;
pub mod strategy;
pub mod svg;
pub mod sweep;
pub mod tidy;
pub mod trace;
pub mod worlds;

pub use error::{Error, InputError, Result};
pub use scenario::Scenario;

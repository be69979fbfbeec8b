//! negsim: Monte Carlo simulation of multilateral negotiations.
//!
//! A [`Scenario`] describes terms, agents and settings; [`Model`] compiles it; [`simulate`]
//! plays many runs in parallel under a [`protocol`]; [`Report`] turns the tallies into
//! tables, JSON and CSV. [`request`] does what a front end does around that (loading with
//! the size cap, overrides, refusing absurd requests); [`output`] writes results without
//! destroying anything; [`cli`] is the command line, one caller among others.
//!
//! ```no_run
//! let sc = negsim::load_scenario(None)?; // the bundled scenario
//! let sim = negsim::Overrides { runs: Some(1000), ..Default::default() }.resolve(&sc)?;
//! let (_model, report) = negsim::simulate_report(&sc, &sim, &negsim::Control::default())?;
//! println!("{}", report.to_json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analysis;
pub mod batch;
pub mod check;
pub mod cli;
pub mod compare;
pub mod completions;
pub mod csv_text;
pub mod dist;
pub mod equilibrium;
pub mod error;
pub mod estimate;
pub mod generate;
pub mod init;
pub mod interrupt;
pub mod model;
pub mod montecarlo;
pub mod offer;
pub mod output;
pub mod per_run;
pub mod play;
pub mod play_text;
pub mod progress;
pub mod protocol;
pub mod provenance;
pub mod report;
pub mod request;
pub mod rng;
// rust-version 1.89 (for File::try_lock) turns on this lint in scenario/mod.rs, which is
// being edited on main: its one `% 3 == 0` can become `is_multiple_of(3)` there.
#[allow(clippy::manual_is_multiple_of)]
pub mod scenario;
pub mod sensitivity;
pub mod serve;
pub mod shard;
pub mod stationary;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub mod tidy;
pub mod tools;
pub mod trace;
pub mod validate;
pub mod worlds;
pub mod zeuthen;

// The front door: what a caller needs to load a scenario, simulate it and read the report.
// The modules stay public for the tests and the tools, but these names are the API.
pub use error::{Error, InputError, Result};
pub use model::Model;
pub use montecarlo::{Control, Settings, simulate};
pub use report::Report;
pub use request::{Overrides, ResolvedSim, load_scenario, simulate_report};
pub use scenario::Scenario;

//! negsim: Monte Carlo simulation of multilateral negotiations.
//!
//! A [`Scenario`] describes terms, agents and settings; [`Model`] compiles it; [`simulate`]
//! plays many runs in parallel under a [`engine::protocol`]; [`Report`] turns the tallies into
//! tables, JSON and CSV. [`request`] does what a front end does around that (loading with
//! the size cap, overrides, refusing absurd requests); [`output`] writes results without
//! destroying anything; [`cli`] is the command line, one caller among others.
//!
//! The modules follow the domain: [`scenario`] (the file, its validation and limits) →
//! [`engine`] (model, strategies, offer search, protocols, Monte Carlo) → [`study`] (sweeps,
//! sensitivity, shards, per-run tables, validation) → [`report`] (view models and their
//! text, CSV, JSON and HTML); [`tools`] (generate, import, init, trace, play) and [`serve`]
//! sit beside them, and [`cli`] only parses flags and calls them.
//!
//! ```no_run
//! let sc = negsim::load_scenario(None)?; // the bundled scenario
//! let sim = negsim::Overrides { runs: Some(1000), ..Default::default() }.resolve(&sc)?;
//! let (_model, report) = negsim::simulate_report(&sc, &sim, &negsim::Control::default())?;
//! println!("{}", report.to_json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod csv_text;
pub mod engine;
pub mod error;
pub mod interrupt;
pub mod output;
pub mod progress;
pub mod provenance;
pub mod report;
pub mod request;
// rust-version 1.89 (for File::try_lock) turns on this lint in scenario/mod.rs, which is
// being edited on main: its one `% 3 == 0` can become `is_multiple_of(3)` there.
#[allow(clippy::manual_is_multiple_of)]
pub mod scenario;
pub mod serve;
pub mod study;
pub mod tools;

// The front door: what a caller needs to load a scenario, simulate it and read the report.
// The modules stay public for the tests and the tools, but these names are the API.
pub use engine::model::Model;
pub use engine::montecarlo::{Control, Settings, simulate};
pub use error::{Error, InputError, Result};
pub use report::Report;
pub use request::{Overrides, ResolvedSim, load_scenario, simulate_report};
pub use scenario::Scenario;

//! The engine: the compiled model and its sampling, the strategies, the exact offer
//! searches, the protocols one per file, Monte Carlo over runs and over worlds, the tallies
//! and their statistics, the equilibrium agents and the outcome-space analysis.

pub mod analysis;
pub mod dist;
pub mod equilibrium;
pub mod model;
pub mod montecarlo;
pub mod offer;
pub mod protocol;
pub mod rng;
pub mod stationary;
pub mod stats;
pub mod strategy;
pub mod worlds;
pub mod zeuthen;

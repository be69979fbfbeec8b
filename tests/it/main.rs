//! The one integration-test binary: each module covers one area.

mod common;
mod engine;
mod hostile_input;
mod invalid_input;
mod no_lost_work;
mod offers;
mod properties;
mod reproducibility;
mod value_stability;

//! The one integration-test binary: each module covers one area.

mod common;
mod engine;
mod generate;
mod invalid_input;
mod offers;
mod reproducibility;

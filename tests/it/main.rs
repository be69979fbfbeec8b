//! The one integration-test binary: each module covers one area.

mod batch;
mod common;
mod engine;
mod import;
mod invalid_input;
mod offers;
mod reproducibility;
mod sensitivity;
mod shard;
mod sweep;

//! The one integration-test binary: each module covers one area.

mod analysis;
mod batch;
mod common;
mod engine;
mod generate;
mod html_report;
mod import;
mod init;
mod invalid_input;
mod offers;
mod play;
mod reproducibility;
mod sensitivity;
mod shard;
mod strategy_components;
mod sweep;

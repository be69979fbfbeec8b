//! The one integration-test binary: each module covers one area.

mod analysis;
mod batch;
mod charts;
mod common;
mod engine;
mod escaping;
mod generate;
mod hostile_input;
mod html_report;
mod import;
mod init;
mod invalid_input;
mod no_lost_work;
mod offers;
mod output_paths;
mod play;
mod progress;
mod properties;
mod reproducibility;
mod sensitivity;
mod shard;
mod snapshots;
mod strategy_components;
mod sweep;
mod time;
mod value_stability;

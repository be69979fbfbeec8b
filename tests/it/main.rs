//! The one integration-test binary: each module covers one area.

mod analysis;
mod batch;
mod cancellation;
mod charts;
mod common;
mod damaged_parts;
mod engine;
mod generate;
mod hostile_input;
mod html_report;
mod import;
mod init;
mod invalid_input;
mod no_lost_work;
mod offers;
mod play;
mod properties;
mod reproducibility;
mod sensitivity;
mod shard;
mod strategy_components;
mod sweep;
mod time;
mod value_stability;
mod worlds;

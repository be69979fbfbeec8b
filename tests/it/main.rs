//! The one integration-test binary: each module covers one area.

mod analysis;
mod common;
mod engine;
mod html_report;
mod init;
mod invalid_input;
mod offers;
mod play;
mod reproducibility;

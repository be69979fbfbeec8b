//! Tools around the engine that are not Monte Carlo studies: generating and importing
//! scenarios, writing a starter file, one run's transcript, playing a side.

pub mod generate;
pub mod import;
pub mod init;
pub mod play;
pub mod play_text;
pub mod trace;

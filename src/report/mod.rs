//! Reports: the view models of the studies rendered, one file per format. A run's
//! [`Report`] (built in [`crate::study::run`]) renders as a terminal table ([`text`]), tidy CSV
//! ([`csv`]), JSON (serde) and an HTML page ([`html`], with [`charts`]); [`answer`] is the
//! answer in words that opens the table and the page.

pub mod charts;
pub mod html;

pub mod answer;
mod check;
mod csv;
mod text;
pub use crate::study::run::*;
pub use answer::{Answer, View};
pub use csv::FlatRow;

//! Tools around the engine that are not simulations: importing GENIUS and GeniusWeb domains.

pub mod import;

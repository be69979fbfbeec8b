//! Any bytes through the scenario reader and validator: it must return a scenario or an
//! `InputError`, never panic, and a scenario it accepts must compile and summarize.
#![no_main]

use libfuzzer_sys::fuzz_target;
use negsim::Scenario;
use negsim::engine::model::Model;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match Scenario::from_toml_str(src, "fuzz.toml") {
        Ok(sc) => {
            let _ = Model::new(&sc);
            let _ = negsim::study::check::summary(&sc);
        }
        Err(e) => {
            // The message must render (line/column lookup on arbitrary spans).
            let _ = e.to_string();
        }
    }
});

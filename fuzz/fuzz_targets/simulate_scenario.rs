//! Accepted scenarios through a short simulation: whatever the validator lets through must play
//! without panicking. Runs and deadlines are capped so that each input takes milliseconds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use negsim::Scenario;
use negsim::engine::model::Model;
use negsim::engine::montecarlo::{Settings, simulate_range};
use negsim::engine::stats::Tally;
use negsim::report::Report;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(sc) = Scenario::from_toml_str(src, "fuzz.toml") else {
        return;
    };
    let model = Model::new(&sc);
    let deadlines: Vec<u32> = sc.simulation.deadlines.iter().map(|&d| d.min(12)).collect();
    let settings = Settings {
        seed: sc.simulation.seed,
        deadlines: deadlines.clone(),
        runs: 0..3,
    };
    let mut tallies: Vec<Tally> = deadlines.iter().map(|&d| Tally::new(&model, d)).collect();
    simulate_range(&model, &settings, 0..3, &mut tallies);
    let outcome = negsim::engine::montecarlo::Outcome {
        tallies,
        partial: false,
    };
    let report = Report::new(&model, settings.seed, 3, &outcome);
    let _ = report.to_table(&model);
    let _ = report.to_json();
    let _ = report.to_csv();
    let _ = negsim::tools::trace::transcript(&sc, sc.simulation.seed, 0, deadlines[0]);
});

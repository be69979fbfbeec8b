//! Any bytes as a domain and its profiles (separated by NUL bytes; GENIUS XML or GeniusWeb
//! JSON, whichever the first file looks like) through `negsim import`: it must return a
//! scenario or an `InputError`, never panic, and every scenario it returns must read back
//! through the scenario validator (the importer promises that it passes `negsim check`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use negsim::Scenario;
use negsim::tools::import::{ImportOptions, Source, import_sources};

fuzz_target!(|data: &[u8]| {
    let mut files = data
        .split(|&b| b == 0)
        .take(5)
        .filter_map(|b| std::str::from_utf8(b).ok());
    let Some(domain) = files.next() else {
        return;
    };
    let domain = Source::new("domain", domain);
    let profiles: Vec<Source> = files
        .enumerate()
        .map(|(i, t)| Source::new(format!("profile{i}"), t))
        .collect();
    for ignore_discount in [false, true] {
        match import_sources(&domain, &profiles, ImportOptions { ignore_discount }) {
            Ok(imported) => {
                if let Err(e) = Scenario::from_toml_str(&imported.toml, "imported.toml") {
                    panic!(
                        "an imported scenario does not validate: {e}\n{}",
                        imported.toml
                    );
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});

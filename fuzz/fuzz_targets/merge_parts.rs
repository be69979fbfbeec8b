//! Any bytes as up to four part files (separated by NUL bytes, which JSON never contains)
//! through `negsim merge`: reading, verifying and merging run parts or sweep parts, then
//! building the report or the table, must return a result or an `InputError`, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use negsim::study::shard::{Partial, SweepPart, merge, merge_sweep};

fuzz_target!(|data: &[u8]| {
    let texts: Vec<&str> = data
        .split(|&b| b == 0)
        .take(4)
        .filter_map(|b| std::str::from_utf8(b).ok())
        .collect();
    if texts.is_empty() {
        return;
    }
    let named = |i: usize| format!("part{i}.json");
    if texts.iter().all(|t| SweepPart::sniff(t)) {
        let mut parts = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            match SweepPart::from_jsonl(t, &named(i)) {
                Ok(p) => parts.push((named(i), p)),
                Err(e) => {
                    let _ = e.to_string();
                    return;
                }
            }
        }
        match merge_sweep(parts) {
            Ok(m) => {
                let _ = m.to_jsonl();
                if let Err(e) = m.table(negsim::study::tidy::Format::Csv) {
                    let _ = e.to_string();
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        return;
    }
    let mut parts = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        match Partial::from_json(t, &named(i)) {
            Ok(p) => parts.push((named(i), p)),
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        }
    }
    match merge(parts) {
        Ok(m) => {
            let _ = m.to_json();
            match m.into_report("merge") {
                Ok((model, report)) => {
                    let _ = report.to_json();
                    let _ = report.to_csv();
                    let _ = report.to_table(&model);
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});

//! What `play` prints beyond the game itself: lines wrapped to 80 columns, the mediator's
//! hint (texts that would pass this round), and the debrief's reveal of every party's
//! preferences and of the texts that would have passed.

use crate::engine::model::{Instance, Model};
use crate::engine::protocol::answer;
use std::fmt::Write;

/// Columns of a classroom terminal: every line `play` prints fits.
pub const WIDTH: usize = 80;

/// Largest outcome space searched for passing texts (the bundled scenario has 432 packages).
pub const MAX_SEARCHED: u128 = 200_000;

/// Wraps every line of `text` longer than `width` columns at spaces, never inside a word; a
/// continuation is indented two columns past the line's own indentation.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.chars().count() <= width {
            out.push_str(line);
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let cont = " ".repeat((indent + 2).min(width / 2));
        let mut col = 0;
        let mut first = true;
        for word in line[indent..].split(' ') {
            let w = word.chars().count();
            if first {
                out.push_str(&line[..indent]);
                out.push_str(word);
                col = indent + w;
                first = false;
            } else if col + 1 + w > width {
                out.push('\n');
                out.push_str(&cont);
                out.push_str(word);
                col = cont.len() + w;
            } else {
                out.push(' ');
                out.push_str(word);
                col += 1 + w;
            }
        }
    }
    out
}

/// Every package of the outcome space allowed by the public red lines, in order (`None` when
/// the space is larger than [`MAX_SEARCHED`]).
fn packages(model: &Model) -> Option<Vec<Vec<u8>>> {
    if model.scenario.outcome_space_size() > MAX_SEARCHED {
        return None;
    }
    let sizes: Vec<usize> = model
        .scenario
        .terms
        .iter()
        .map(|t| t.options.len())
        .collect();
    let allowed = model.scenario.publicly_allowed();
    let mut out = Vec::new();
    let mut pkg = vec![0u8; sizes.len()];
    'all: loop {
        if pkg.iter().enumerate().all(|(t, &o)| allowed[t][o as usize]) {
            out.push(pkg.clone());
        }
        for t in (0..sizes.len()).rev() {
            pkg[t] += 1;
            if (pkg[t] as usize) < sizes[t] {
                continue 'all;
            }
            pkg[t] = 0;
        }
        return Some(out);
    }
}

/// The signatories' smallest margin over no deal for `pkg` (for ordering texts).
fn margin(model: &Model, inst: &Instance, pkg: &[u8]) -> f64 {
    (0..model.n_agents())
        .filter(|&a| model.signatory[a])
        .map(|a| inst.utility(model, a, pkg) - inst.reservation[a])
        .fold(f64::INFINITY, f64::min)
}

/// The texts every signatory would accept in `round` under the scenario's strategies, best
/// margin first (at most `n`), and how many there are; `None` for a space too large to search.
pub fn passing_now(
    model: &Model,
    inst: &Instance,
    round: u32,
    deadline: u32,
    n: usize,
) -> Option<(Vec<Vec<u8>>, usize)> {
    let mut pass: Vec<Vec<u8>> = packages(model)?
        .into_iter()
        .filter(|p| {
            (0..model.n_agents())
                .filter(|&a| model.signatory[a])
                .all(|a| answer(model, inst, a, p, round, deadline).0)
        })
        .collect();
    let count = pass.len();
    pass.sort_by(|x, y| margin(model, inst, y).total_cmp(&margin(model, inst, x)));
    pass.truncate(n);
    Some((pass, count))
}

/// The texts every signatory prefers to no deal (this run's preferences): the zone of
/// agreement the game had, best margin first (at most `n`), and how many there are.
pub fn zone(model: &Model, inst: &Instance, n: usize) -> Option<(Vec<Vec<u8>>, usize)> {
    let mut z: Vec<Vec<u8>> = packages(model)?
        .into_iter()
        .filter(|p| margin(model, inst, p) >= 0.0)
        .collect();
    let count = z.len();
    z.sort_by(|x, y| margin(model, inst, y).total_cmp(&margin(model, inst, x)));
    z.truncate(n);
    Some((z, count))
}

/// Every party's preferences in this game: reservation value, weights and option values.
pub fn reveal(model: &Model, inst: &Instance) -> String {
    let sc = &model.scenario;
    let (nt, no) = (model.n_terms(), model.n_opts);
    let mut s = String::from("What each party wanted in this game (this run's preferences):\n");
    for (a, agent) in sc.agents.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {} ({}): reservation value {:.3}",
            agent.id, agent.name, inst.reservation[a]
        );
        for t in 0..nt {
            let w = inst.weights[a * nt + t];
            if w == 0.0 {
                continue;
            }
            let opts: Vec<String> = sc.terms[t]
                .options
                .iter()
                .enumerate()
                .map(|(o, name)| {
                    let k = model.offsets[t] + o;
                    let red = if model.red[a * no + k] {
                        " (red line)"
                    } else {
                        ""
                    };
                    format!("{name} {:.2}{red}", inst.values[a * no + k])
                })
                .collect();
            let _ = writeln!(
                s,
                "    {} (weight {:.2}): {}",
                sc.terms[t].id,
                w,
                opts.join(", ")
            );
        }
    }
    s
}

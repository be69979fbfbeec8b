//! `negsim import`: GENIUS and GeniusWeb domains become scenarios whose utilities are the
//! profiles' own arithmetic, computed here from the fixtures' numbers; what negsim cannot
//! represent, and malformed files, exit with code 2.

use crate::common::{negsim, stderr, stdout, temp_dir, write_temp};
use negsim::Scenario;
use negsim::engine::model::Model;
use serde_json::{Value, json};

fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn read_fixture(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap()
}

const G_DOMAIN: &str = "genius/party_domain.xml";
const G_P1: &str = "genius/party1_utility.xml";
const G_P2: &str = "genius/party2_utility.xml";
const W_DOMAIN: &str = "geniusweb/travel.json";
const W_P1: &str = "geniusweb/travel1.json";
const W_P2: &str = "geniusweb/travel2.json";

/// A profile as its file states it: weight and (value, evaluation or utility) per issue.
type Table<'a> = [(&'a str, f64, &'a [(&'a str, f64)])];

/// party1_utility.xml: weights as `<weight index value>` after the issues.
const PARTY1: &Table = &[
    (
        "Food",
        0.5,
        &[
            ("Chips and Nuts", 3.0),
            ("Finger-Food", 2.0),
            ("Handmade Food", 2.0),
            ("Catering", 1.0),
        ],
    ),
    (
        "Invitations",
        0.3,
        &[
            ("Plain", 1.0),
            ("Custom, Handmade", 4.0),
            ("Custom Handmade", 2.0),
        ],
    ),
    ("Music Style", 0.2, &[("MP3", 2.0), ("DJ", 3.0)]),
];

/// party2_utility.xml: weights before the issues, fractional evaluations.
const PARTY2: &Table = &[
    (
        "Food",
        0.2,
        &[
            ("Chips and Nuts", 0.5),
            ("Finger-Food", 1.5),
            ("Handmade Food", 3.0),
            ("Catering", 6.0),
        ],
    ),
    (
        "Invitations",
        0.45,
        &[
            ("Plain", 10.0),
            ("Custom, Handmade", 0.0),
            ("Custom Handmade", 5.0),
        ],
    ),
    ("Music Style", 0.35, &[("MP3", 1.0), ("DJ", 1.0)]),
];

/// travel1.json (`DiscreteValueSetUtilities`).
const TRAVEL1: &Table = &[
    (
        "destination",
        0.4,
        &[("Tokyo", 1.0), ("Kyoto", 0.6), ("Osaka", 0.25)],
    ),
    (
        "departure date",
        0.25,
        &[("2 sept.", 0.3), ("3 sept.", 1.0)],
    ),
    (
        "hotelClass",
        0.35,
        &[("3 stars", 0.0), ("4 stars", 0.7), ("5 stars", 1.0)],
    ),
];

/// travel2.json (the older `discreteutils` spelling).
const TRAVEL2: &Table = &[
    (
        "destination",
        0.3,
        &[("Tokyo", 0.2), ("Kyoto", 1.0), ("Osaka", 0.5)],
    ),
    ("departure date", 0.3, &[("2 sept.", 1.0), ("3 sept.", 0.0)]),
    (
        "hotelClass",
        0.4,
        &[("3 stars", 1.0), ("4 stars", 0.8), ("5 stars", 0.1)],
    ),
];

/// Runs `negsim import`, expecting success; returns the scenario, its text and stderr.
fn import_ok(args: &[&str]) -> (Scenario, String, String) {
    let mut full = vec!["import"];
    full.extend_from_slice(args);
    let o = negsim(&full);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "import failed: {err}");
    let toml = stdout(&o);
    let sc = Scenario::from_toml_str(&toml, "imported.toml")
        .unwrap_or_else(|e| panic!("the imported scenario is invalid: {e}\n{toml}"));
    (sc, toml, err)
}

/// Runs `negsim import` expecting exit code 2 and every needle in stderr.
fn import_refused(tag: &str, args: &[&str], needles: &[&str]) {
    let mut full = vec!["import"];
    full.extend_from_slice(args);
    let o = negsim(&full);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{tag}: expected exit 2, stderr: {err}"
    );
    assert!(stdout(&o).is_empty(), "{tag}: nothing on stdout");
    assert!(!err.contains("panicked"), "{tag}: {err}");
    for n in needles {
        assert!(err.contains(n), "{tag}: {n:?} not in: {err}");
    }
}

/// The profile's own utility of a package (given as one value name per issue): the sum of
/// weight × evaluation, the evaluation divided by its issue's largest when `by_max` (GENIUS).
fn profile_utility(table: &Table, package: &[&str], by_max: bool) -> f64 {
    table
        .iter()
        .zip(package)
        .map(|((_, w, evals), chosen)| {
            let e = evals.iter().find(|(v, _)| v == chosen).unwrap().1;
            let max = evals.iter().map(|x| x.1).fold(f64::MIN, f64::max);
            w * if by_max { e / max } else { e }
        })
        .sum()
}

/// Checks negsim's utility of every package for `agent` against the profile's arithmetic,
/// divided by `scale` (the weight sum when negsim renormalizes). Terms and options are found
/// by their original names, so this also checks the names and labels.
fn assert_same_utilities(sc: &Scenario, agent: &str, table: &Table, by_max: bool, scale: f64) {
    assert_eq!(sc.terms.len(), table.len());
    let model = Model::new(sc);
    let inst = model.mean_instance();
    let a = sc.agent_index(agent).expect("agent imported");
    let terms: Vec<usize> = table
        .iter()
        .map(|(issue, _, _)| {
            sc.terms
                .iter()
                .position(|t| t.name == *issue)
                .unwrap_or_else(|| panic!("no term named {issue}"))
        })
        .collect();
    let sizes: Vec<usize> = table.iter().map(|(_, _, e)| e.len()).collect();
    let mut choice = vec![0usize; table.len()];
    let mut checked = 0;
    loop {
        let names: Vec<&str> = choice
            .iter()
            .zip(table)
            .map(|(&c, (_, _, e))| e[c].0)
            .collect();
        let mut package = vec![0u8; sc.terms.len()];
        for (i, name) in names.iter().enumerate() {
            let term = &sc.terms[terms[i]];
            package[terms[i]] = term
                .labels
                .iter()
                .position(|l| l == name)
                .unwrap_or_else(|| panic!("no option labelled {name} in {}", term.id))
                as u8;
        }
        let want = profile_utility(table, &names, by_max) / scale;
        let got = inst.utility(&model, a, &package);
        assert!(
            (got - want).abs() < 1e-12,
            "{agent} {names:?}: negsim {got}, profile {want}"
        );
        checked += 1;
        let Some(i) = (0..choice.len()).rev().find(|&i| choice[i] + 1 < sizes[i]) else {
            break;
        };
        choice[i] += 1;
        choice[i + 1..].iter_mut().for_each(|c| *c = 0);
    }
    assert_eq!(checked, sizes.iter().product::<usize>());
}

fn reservation(sc: &Scenario, agent: &str) -> f64 {
    let model = Model::new(sc);
    model.mean_instance().reservation[sc.agent_index(agent).unwrap()]
}

#[test]
fn genius_import_gives_the_profiles_own_utilities() {
    let (sc, toml, err) = import_ok(&[&fixture(G_DOMAIN), &fixture(G_P1), &fixture(G_P2)]);
    assert!(err.is_empty(), "no warnings expected: {err}");
    assert_same_utilities(&sc, "party1_utility", PARTY1, true, 1.0);
    assert_same_utilities(&sc, "party2_utility", PARTY2, true, 1.0);
    assert_eq!(reservation(&sc, "party1_utility"), 0.25);
    // party2 gives its reservation before the objective, and discount 0.0, which GENIUS reads
    // as no discounting: nothing is refused or reported.
    assert_eq!(reservation(&sc, "party2_utility"), 0.4);

    assert_eq!(sc.name, "party_domain");
    let ids: Vec<&str> = sc.terms.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["food", "invitations", "music_style"]);
    assert_eq!(
        sc.terms[1].options,
        ["plain", "custom_handmade", "custom_handmade_2"]
    );
    assert_eq!(
        sc.terms[0].options,
        ["chips_and_nuts", "finger_food", "handmade_food", "catering"]
    );
    let agents: Vec<&str> = sc.agents.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(agents, ["party1_utility", "party2_utility"]);
    for a in &sc.agents {
        assert_eq!(a.strategy.label(), "boulware (e = 0.2)");
    }
    assert_eq!(sc.simulation.runs, 10_000);
    assert_eq!(sc.simulation.seed, 1);
    assert_eq!(sc.simulation.deadlines, [10, 50, 100]);
    assert!(toml.contains("# evaluation 6"), "raw evaluations are shown");
}

#[test]
fn geniusweb_import_gives_the_profiles_own_utilities() {
    let (sc, _, err) = import_ok(&[&fixture(W_DOMAIN), &fixture(W_P1), &fixture(W_P2)]);
    assert!(err.is_empty(), "no warnings expected: {err}");
    assert_same_utilities(&sc, "travel1", TRAVEL1, false, 1.0);
    assert_same_utilities(&sc, "travel2", TRAVEL2, false, 1.0);
    // travel1's reservation bid is (Kyoto, 3 sept., 4 stars).
    let want = 0.4 * 0.6 + 0.25 * 1.0 + 0.35 * 0.7;
    assert!((reservation(&sc, "travel1") - want).abs() < 1e-12);
    assert_eq!(reservation(&sc, "travel2"), 0.0, "reservationBid null");
    assert_eq!(sc.name, "travel");
    let ids: Vec<&str> = sc.terms.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["destination", "departure_date", "hotel_class"]);
    assert_eq!(sc.terms[1].options, ["2_sept", "3_sept"]);
    assert_eq!(sc.terms[2].name, "hotelClass");
}

#[test]
fn imported_scenarios_pass_check_and_run() {
    let dir = temp_dir("import-run");
    for (tag, files) in [
        ("genius", [G_DOMAIN, G_P1, G_P2]),
        ("geniusweb", [W_DOMAIN, W_P1, W_P2]),
    ] {
        let out = dir.join(format!("{tag}.toml"));
        let out = out.to_str().unwrap();
        let o = negsim(&[
            "import",
            &fixture(files[0]),
            &fixture(files[1]),
            &fixture(files[2]),
            "--output",
            out,
        ]);
        assert!(o.status.success(), "{tag}: {}", stderr(&o));
        assert!(
            stdout(&o).is_empty(),
            "{tag}: --output writes the file only"
        );
        let o = negsim(&["check", out]);
        assert!(o.status.success(), "{tag} check: {}", stderr(&o));
        let o = negsim(&["run", out, "--runs", "200", "--deadlines", "10,50"]);
        assert!(o.status.success(), "{tag} run: {}", stderr(&o));
        assert!(stdout(&o).contains("P(deal)"), "{tag}");
    }
}

#[test]
fn discount_below_one_is_refused_unless_ignored() {
    let p1 = read_fixture(G_P1).replace(
        "<discount_factor value=\"1.0\" />",
        "<discount_factor value=\"0.5\" />",
    );
    let p1 = write_temp("discount", "party1_utility.xml", p1);
    let p1 = p1.to_str().unwrap();
    let (d, p2) = (fixture(G_DOMAIN), fixture(G_P2));
    import_refused(
        "discount",
        &[&d, p1, &p2],
        &[
            "party1_utility.xml:",
            "discount factor 0.5",
            "--ignore-discount",
        ],
    );
    let (sc, toml, err) = import_ok(&[&d, p1, &p2, "--ignore-discount"]);
    assert!(err.contains("warning:") && err.contains("0.5"), "{err}");
    assert!(toml.contains("# discount_factor 0.5 left out"), "{toml}");
    assert_same_utilities(&sc, "party1_utility", PARTY1, true, 1.0);
}

#[test]
fn weights_not_summing_to_one_are_renormalized_with_a_warning() {
    let p1 = read_fixture(G_P1).replace(
        "<weight index=\"1\" value=\"0.5\">",
        "<weight index=\"1\" value=\"0.6\">",
    );
    let p1 = write_temp("weights", "party1_utility.xml", p1);
    let (sc, toml, err) = import_ok(&[&fixture(G_DOMAIN), p1.to_str().unwrap(), &fixture(G_P2)]);
    assert!(err.contains("weights sum to 1.1"), "{err}");
    assert!(toml.contains("# the issue weights sum to 1.1"), "{toml}");
    let mut table = PARTY1.to_vec();
    table[0].1 = 0.6;
    assert_same_utilities(&sc, "party1_utility", &table, true, 1.1);
}

#[test]
fn a_bare_ampersand_is_read_as_genius_reads_it() {
    // ANAC 2015's Symposium domain has the value "Coffee & Thee", unescaped; GENIUS reads it.
    let dir = temp_dir("ampersand");
    let mut paths = Vec::new();
    for f in [G_DOMAIN, G_P1, G_P2] {
        let text = read_fixture(f).replace("Custom, Handmade", "Coffee & Tea");
        let p = dir.join(f.rsplit('/').next().unwrap());
        std::fs::write(&p, text).unwrap();
        paths.push(p.to_str().unwrap().to_string());
    }
    let (sc, _, err) = import_ok(&[&paths[0], &paths[1], &paths[2]]);
    assert!(err.contains("bare `&`"), "{err}");
    assert_eq!(sc.terms[1].labels[1], "Coffee & Tea");
    assert_eq!(sc.terms[1].options[1], "coffee_tea");
}

#[test]
fn genius_preference_uncertainty_is_reported_not_modelled() {
    // ANAC 2019 profiles (GENIUS `type="UNCERTAIN"`) add these elements to a linear profile.
    let files = genius_variant(
        "uncertain",
        G_P1,
        "<reservation value=\"0.25\" />",
        "<reservation value=\"0.25\" />\n<comparisons>50</comparisons>\n<errors>0</errors>",
    );
    let (sc, toml, err) = import_ok(&[&files[0], &files[1], &files[2]]);
    assert!(
        err.contains("<comparisons>, <errors>: GENIUS's preference uncertainty"),
        "{err}"
    );
    assert!(toml.contains("# <comparisons>, <errors>"), "{toml}");
    assert_same_utilities(&sc, "party1_utility", PARTY1, true, 1.0);
}

/// Writes the GENIUS fixtures with `from` replaced by `to` in `which`; returns their paths.
fn genius_variant(tag: &str, which: &str, from: &str, to: &str) -> [String; 3] {
    let dir = temp_dir(tag);
    [G_DOMAIN, G_P1, G_P2].map(|f| {
        let mut text = read_fixture(f);
        if f == which {
            assert!(text.contains(from), "{tag}: {from:?} not in {f}");
            text = text.replacen(from, to, 1);
        }
        let p = dir.join(f.rsplit('/').next().unwrap());
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    })
}

/// Writes the GeniusWeb fixtures with `edit` applied to the JSON of `which`.
fn geniusweb_variant(tag: &str, which: &str, edit: impl Fn(&mut Value)) -> [String; 3] {
    let dir = temp_dir(tag);
    [W_DOMAIN, W_P1, W_P2].map(|f| {
        let mut text = read_fixture(f);
        if f == which {
            let mut v: Value = serde_json::from_str(&text).unwrap();
            edit(&mut v);
            text = serde_json::to_string_pretty(&v).unwrap();
        }
        let p = dir.join(f.rsplit('/').next().unwrap());
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    })
}

fn refuse3(tag: &str, files: &[String; 3], needles: &[&str]) {
    import_refused(tag, &[&files[0], &files[1], &files[2]], needles);
}

#[test]
fn unrepresentable_genius_features_are_refused() {
    let cases: &[(&str, &str, &str, &str, &[&str])] = &[
        (
            "real-issue",
            G_P2,
            "name=\"Food\" type=\"discrete\" etype=\"discrete\"",
            "name=\"Food\" type=\"real\" etype=\"real\"",
            &["party2_utility.xml:", "type \"real\""],
        ),
        (
            "integer-issue",
            G_DOMAIN,
            "etype=\"discrete\" type=\"discrete\" vtype=\"discrete\" name=\"Food\"",
            "etype=\"integer\" type=\"integer\" vtype=\"integer\" name=\"Food\"",
            &["party_domain.xml:", "type \"integer\""],
        ),
        (
            "nested-objective",
            G_P1,
            "<weight index=\"1\"",
            "<objective index=\"9\" name=\"sub\"></objective><weight index=\"1\"",
            &["party1_utility.xml:", "nested <objective>"],
        ),
        (
            "non-linear",
            G_P1,
            "<weight index=\"1\"",
            "<utility_function><ufun type=\"PlainUfun\"/></utility_function><weight index=\"1\"",
            &["party1_utility.xml:", "non-linear"],
        ),
        (
            "negative-evaluation",
            G_P2,
            "value=\"Finger-Food\" evaluation=\"1.5\"",
            "value=\"Finger-Food\" evaluation=\"-1.5\"",
            &["party2_utility.xml:", "Finger-Food", "negative"],
        ),
        (
            "missing-evaluation",
            G_P2,
            "value=\"Catering\" evaluation=\"6\"",
            "value=\"Catering\"",
            &["party2_utility.xml:", "`Catering`", "no evaluation"],
        ),
        (
            "missing-item",
            G_P2,
            "<item index=\"2\" value=\"DJ\" evaluation=\"1\"/>",
            "",
            &["party2_utility.xml:", "value=\"DJ\""],
        ),
        (
            "missing-weight",
            G_P2,
            "<weight index=\"3\" value=\"0.35\"/>",
            "",
            &[
                "party2_utility.xml:",
                "no <weight index=\"3\">",
                "Music Style",
            ],
        ),
        (
            "other-domain",
            G_P1,
            "name=\"Music Style\"",
            "name=\"Music\"",
            &["party1_utility.xml:", "`Music`", "`Music Style`"],
        ),
        (
            "value-not-in-domain",
            G_P1,
            "value=\"Plain\"",
            "value=\"Simple\"",
            &["party1_utility.xml:", "Plain"],
        ),
        (
            "one-value-issue",
            G_DOMAIN,
            "<item index=\"2\" value=\"DJ\" cost=\"0\" description=\"\"></item>",
            "",
            &["party_domain.xml", "`Music Style` has 1 value"],
        ),
        (
            "reservation-above-one",
            G_P1,
            "<reservation value=\"0.25\" />",
            "<reservation value=\"1.5\" />",
            &["party1_utility.xml:", "above 1"],
        ),
        (
            "all-weights-zero",
            G_P2,
            "<weight index=\"1\" value=\"0.2\"/>\n<weight index=\"2\" value=\"0.45\"/>\n<weight index=\"3\" value=\"0.35\"/>",
            "<weight index=\"1\" value=\"0\"/>\n<weight index=\"2\" value=\"0\"/>\n<weight index=\"3\" value=\"0\"/>",
            &["party2_utility.xml", "weight is zero"],
        ),
    ];
    for (tag, which, from, to, needles) in cases {
        refuse3(tag, &genius_variant(tag, which, from, to), needles);
    }
}

fn las(v: &mut Value) -> &mut Value {
    &mut v["LinearAdditiveUtilitySpace"]
}

#[test]
fn unrepresentable_geniusweb_features_are_refused() {
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, &str, Edit, &[&str])> = vec![
        (
            "number-utilities",
            W_P1,
            Box::new(|v| {
                las(v)["issueUtilities"]["hotelClass"] = json!({"NumberValueSetUtilities":
                    {"lowValue": 3, "lowUtility": 0, "highValue": 5, "highUtility": 1}});
            }),
            &["travel1.json", "hotelClass", "NumberValueSetUtilities"],
        ),
        (
            "sum-of-groups",
            W_P2,
            Box::new(|v| *v = json!({"SumOfGroupsUtilitySpace": {"domain": {}}})),
            &["travel2.json", "SumOfGroupsUtilitySpace", "not linear"],
        ),
        (
            "number-range-issue",
            W_DOMAIN,
            Box::new(|v| {
                v["issuesValues"]["hotelClass"] =
                    json!({"range": {"low": 3, "high": 5, "step": 1}});
            }),
            &["travel.json", "hotelClass", "number range"],
        ),
        (
            "utility-above-one",
            W_P1,
            Box::new(|v| {
                las(v)["issueUtilities"]["destination"]["DiscreteValueSetUtilities"]["valueUtilities"]
                    ["Tokyo"] = json!(1.5);
            }),
            &["travel1.json", "Tokyo", "outside [0, 1]"],
        ),
        (
            "missing-value-utility",
            W_P2,
            Box::new(|v| {
                las(v)["issueUtilities"]["destination"]["discreteutils"]["valueUtilities"]
                    .as_object_mut()
                    .unwrap()
                    .remove("Osaka");
            }),
            &["travel2.json", "no utility for value `Osaka`"],
        ),
        (
            "missing-weight",
            W_P2,
            Box::new(|v| {
                las(v)["issueWeights"]
                    .as_object_mut()
                    .unwrap()
                    .remove("hotelClass");
            }),
            &["travel2.json", "no weight for issue `hotelClass`"],
        ),
        (
            "profile-of-another-domain",
            W_P1,
            Box::new(|v| {
                las(v)["domain"]["issuesValues"]["destination"] =
                    json!({"values": ["Tokyo", "Kyoto", "Nara"]});
            }),
            &["travel1.json", "destination", "differ"],
        ),
        (
            "reservation-bid-value",
            W_P1,
            Box::new(|v| {
                las(v)["reservationBid"]["issuevalues"]["destination"] = json!("Paris");
            }),
            &["travel1.json", "reservationBid", "`Paris`"],
        ),
    ];
    for (tag, which, edit, needles) in cases {
        refuse3(tag, &geniusweb_variant(tag, which, edit), needles);
    }
}

#[test]
fn malformed_and_missing_inputs_are_refused() {
    let (d, p1, p2) = (fixture(G_DOMAIN), fixture(G_P1), fixture(G_P2));
    let (wd, wp1, wp2) = (fixture(W_DOMAIN), fixture(W_P1), fixture(W_P2));

    let bad_xml = read_fixture(G_P1).replacen("</issue>", "</isue>", 1);
    let bad_xml = write_temp("bad-xml", "broken.xml", bad_xml);
    import_refused(
        "malformed-xml",
        &[&d, bad_xml.to_str().unwrap(), &p2],
        &["broken.xml:12:1:", "malformed XML"],
    );

    let bad_json = read_fixture(W_P2).replacen("\"Tokyo\": 0.2,", "\"Tokyo\": 0.2", 1);
    let bad_json = write_temp("bad-json", "broken.json", bad_json);
    import_refused(
        "malformed-json",
        &[&wd, &wp1, bad_json.to_str().unwrap()],
        &["broken.json:4:", "malformed JSON"],
    );

    let mut latin = read_fixture(G_P2).into_bytes();
    latin.extend_from_slice(b"<!-- caf\xe9 -->\n");
    let latin = write_temp("latin1", "latin.xml", latin);
    import_refused(
        "non-utf8",
        &[&d, &p1, latin.to_str().unwrap()],
        &["latin.xml", "not valid UTF-8"],
    );

    let empty = write_temp("empty", "empty.xml", "");
    import_refused(
        "empty",
        &[&d, &p1, empty.to_str().unwrap()],
        &["empty.xml", "empty"],
    );
    import_refused(
        "missing-file",
        &[&d, &p1, "/nonexistent/negsim/p.xml"],
        &["/nonexistent/negsim/p.xml", "cannot read"],
    );
    import_refused("no-profiles", &[&d], &["no profiles"]);
    import_refused("one-profile", &[&d, &p1], &["at least two"]);
    import_refused(
        "mixed-formats",
        &[&d, &p1, &wp2],
        &["travel2.json", "GeniusWeb JSON", "GENIUS XML"],
    );
    import_refused(
        "profile-as-domain",
        &[&wp1, &wp1, &wp2],
        &["travel1.json", "looks like a profile"],
    );
    import_refused(
        "domain-as-profile",
        &[&d, &d, &p2],
        &["party_domain.xml", "looks like a domain"],
    );
}

#[test]
fn output_never_overwrites_an_input() {
    let dir = temp_dir("import-output");
    let p1 = dir.join("p1.xml");
    std::fs::copy(fixture(G_P1), &p1).unwrap();
    let p1 = p1.to_str().unwrap();
    import_refused(
        "output-is-input",
        &[&fixture(G_DOMAIN), p1, &fixture(G_P2), "--output", p1],
        &["--output", "one of the inputs"],
    );
    assert_eq!(std::fs::read_to_string(p1).unwrap(), read_fixture(G_P1));
}

#[test]
fn term_labels_are_read_and_checked() {
    let src = |labels: &str| {
        format!(
            "[scenario]\nname = \"l\"\n[simulation]\ndeadlines = [4]\n\
             [[terms]]\nid = \"t\"\noptions = [\"a\", \"b\"]\n{labels}\n\
             [agents.x.weights]\nt = 1\n[agents.x.values.t]\na = 1\nb = 0\n\
             [agents.y.weights]\nt = 1\n[agents.y.values.t]\na = 0\nb = 1\n"
        )
    };
    let sc = Scenario::from_toml_str(&src("labels = [\"A a\", \"B, b\"]"), "l.toml").unwrap();
    assert_eq!(sc.terms[0].labels, ["A a", "B, b"]);
    let sc = Scenario::from_toml_str(&src(""), "l.toml").unwrap();
    assert_eq!(sc.terms[0].labels, ["a", "b"], "labels default to the ids");
    let e = Scenario::from_toml_str(&src("labels = [\"A\"]"), "l.toml").unwrap_err();
    assert!(e.to_string().contains("1 labels for 2 options"), "{e}");
    assert!(e.location.is_some(), "located: {e}");
}

#[test]
fn duplicate_keys_in_geniusweb_json_are_refused_not_last_wins() {
    let dup = read_fixture(W_P1).replacen(
        "\"Tokyo\": 1.0, \"Kyoto\": 0.6,",
        "\"Tokyo\": 1.0, \"Kyoto\": 0.6, \"Tokyo\": 0.1,",
        1,
    );
    assert_ne!(dup, read_fixture(W_P1));
    let dup = write_temp("dup-json", "dup.json", dup);
    let o = negsim(&[
        "import",
        &fixture(W_DOMAIN),
        dup.to_str().unwrap(),
        &fixture(W_P2),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}:6:60: duplicate key `Tokyo`\n  help: each key may appear once in a JSON object (readers would silently keep the last value); remove or merge the two\n",
            dup.display()
        )
    );
}

#[test]
fn numbers_beyond_negsims_range_are_the_inputs_fault_not_a_bug() {
    let big = read_fixture(G_P1).replacen(
        "<weight index=\"1\" value=\"0.5\">",
        "<weight index=\"1\" value=\"2e6\">",
        1,
    );
    let big = write_temp("big-weight", "big.xml", big);
    let o = negsim(&[
        "import",
        &fixture(G_DOMAIN),
        big.to_str().unwrap(),
        &fixture(G_P2),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("bug"), "{err}");
    assert_eq!(
        err,
        format!(
            "error: {}: the weight 2e6 of issue `Food` is out of negsim's range [0, 1e6]\n  help: only the weights' ratios matter: divide them all by the same number\n",
            big.display()
        )
    );
}

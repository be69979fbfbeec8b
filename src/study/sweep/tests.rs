//! Unit tests of the values, paths and points of a sweep.

use super::*;

fn texts(spec: &str) -> Vec<String> {
    let elements: Vec<Element> = split_list(spec)
        .into_iter()
        .map(|t| parse_element(t).unwrap())
        .collect();
    elements
        .iter()
        .flat_map(|e| (0..e.len()).map(|i| e.get(i).cell.text))
        .collect()
}

#[test]
fn decimal_ranges_do_not_drift() {
    assert_eq!(texts("0.1:0.3:0.1"), ["0.1", "0.2", "0.3"]);
    let tenths = texts("0:1:0.1");
    assert_eq!(tenths.len(), 11);
    assert_eq!(tenths[3], "0.3");
    assert_eq!(tenths[10], "1.0");
    assert_eq!(texts("1:0:-0.25"), ["1.0", "0.75", "0.5", "0.25", "0.0"]);
    assert_eq!(texts("-0.5:0.5:0.5"), ["-0.5", "0.0", "0.5"]);
    // The stop is included only when the grid reaches it.
    assert_eq!(texts("0:1:0.3"), ["0.0", "0.3", "0.6", "0.9"]);
    assert_eq!(texts("0.001:0.003:0.001"), ["0.001", "0.002", "0.003"]);
    // Every value of a range reads back as the float its text denotes.
    let v = parse_element("0:1:0.1").unwrap().get(3);
    assert_eq!(v.toml, toml::Value::Float(0.3));
}

#[test]
fn lists_mix_numbers_strings_ranges_and_distributions() {
    assert_eq!(
        texts("0.10, 2, 1e-3, mediated, \"0.5\", true, 0:0.2:0.1, dist:normal(0.3, 0.05)"),
        [
            "0.1",
            "2.0",
            "0.001",
            "mediated",
            "0.5",
            "true",
            "0.0",
            "0.1",
            "0.2",
            "dist:normal(0.3,0.05)"
        ]
    );
    // More digits than a decimal range takes still make a number, not a string.
    let long = parse_element("0.0026666666666666666").unwrap().get(0);
    assert_eq!(long.toml, toml::Value::Float(0.0026666666666666666));
    assert_eq!(long.cell.text, "0.0026666666666666666");
    let d = parse_element("dist:uniform(0.1,0.4)").unwrap().get(0);
    let mut t = toml::Table::new();
    t.insert(
        "uniform".into(),
        toml::Value::Array(vec![toml::Value::Float(0.1), toml::Value::Float(0.4)]),
    );
    assert_eq!(d.toml, toml::Value::Table(t));
    assert_eq!(
        parse_element("2").unwrap().get(0).toml,
        toml::Value::Integer(2)
    );
    assert_eq!(
        parse_element("\"0.5\"").unwrap().get(0).toml,
        toml::Value::String("0.5".into())
    );
}

#[test]
fn bad_ranges_are_refused() {
    assert!(parse_element("0:1:0").unwrap_err().contains("step"));
    assert!(
        parse_element("1:0:0.1")
            .unwrap_err()
            .contains("never reaches")
    );
    assert!(
        parse_element("0:1")
            .unwrap_err()
            .contains("START:STOP:STEP")
    );
    assert!(
        parse_element("0:x:1")
            .unwrap_err()
            .contains("START:STOP:STEP")
    );
    assert!(parse_element("0:1e9:1e-9").is_err());
    assert!(
        parse_element("dist:norml(0.3,0.1)")
            .unwrap_err()
            .contains("did you mean `normal`")
    );
    assert!(parse_element("\"abc").is_err());
}

#[test]
fn rewritten_files_read_back_as_the_same_scenario() {
    for (name, src) in [
        ("ukraine", crate::scenario::BUNDLED),
        (
            "split",
            include_str!("../../../scenarios/two-party-split.toml"),
        ),
        (
            "labour",
            include_str!("../../../scenarios/labour-contract.toml"),
        ),
    ] {
        let table: toml::Table = src.parse().unwrap();
        let text = toml::to_string(&table).unwrap();
        assert_eq!(
            Scenario::from_toml_str(&text, name).unwrap(),
            Scenario::from_toml_str(src, name).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn points_run_through_the_product_last_param_fastest() {
    let specs = [
        "agents.russia.reservation=0.3,0.4".to_string(),
        "simulation.protocol=alternating,mediated".to_string(),
        "agents.us.walk_away=0:0.02:0.01".to_string(),
    ];
    let sw = Sweep::new(crate::scenario::BUNDLED, "b.toml", &specs).unwrap();
    assert_eq!(sw.len(), 12);
    let texts = |p| -> Vec<String> { sw.cells(p).into_iter().map(|c| c.text).collect() };
    assert_eq!(texts(0), ["0.3", "alternating", "0.0"]);
    assert_eq!(texts(1), ["0.3", "alternating", "0.01"]);
    assert_eq!(texts(3), ["0.3", "mediated", "0.0"]);
    assert_eq!(texts(11), ["0.4", "mediated", "0.02"]);
    let sc = sw.scenario(11).unwrap();
    let r = sc.agent_index("russia").unwrap();
    assert_eq!(sc.agents[r].reservation.mean(), 0.4);
    assert_eq!(sc.simulation.protocol, crate::scenario::Protocol::Mediated);
}

#[test]
fn a_column_mixing_numbers_and_distributions_is_all_text() {
    let one = |spec: &str| {
        let sw = Sweep::new(crate::scenario::BUNDLED, "b.toml", &[spec.to_string()]).unwrap();
        (0..sw.len())
            .map(|p| sw.cells(p).remove(0).json)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        one("agents.russia.reservation=0.3,dist:uniform(0.2,0.4),0.4:0.5:0.1"),
        ["\"0.3\"", "\"dist:uniform(0.2,0.4)\"", "\"0.4\"", "\"0.5\""]
    );
    // All numbers: JSON numbers, written as floats; the scenario keeps an integer.
    assert_eq!(one("agents.us.walk_away=0,0.01"), ["0.0", "0.01"]);
    let sw = Sweep::new(
        crate::scenario::BUNDLED,
        "b.toml",
        &["agents.us.walk_away=0".to_string()],
    )
    .unwrap();
    assert_eq!(sw.values(0)[0].toml, toml::Value::Integer(0));
}

#[test]
fn optional_keys_can_be_set_when_absent() {
    let specs = ["agents.ukraine.strategy.exponent=0.5".to_string()];
    let sw = Sweep::new(crate::scenario::BUNDLED, "b.toml", &specs).unwrap();
    let sc = sw.scenario(0).unwrap();
    let u = sc.agent_index("ukraine").unwrap();
    assert_eq!(sc.agents[u].strategy.label(), "exponent 0.5");
    // A named tactic is replaced by an exponent table.
    let specs = ["agents.russia.strategy.exponent=3".to_string()];
    let sw = Sweep::new(crate::scenario::BUNDLED, "b.toml", &specs).unwrap();
    let r = sw.base().agent_index("russia").unwrap();
    assert_eq!(
        sw.scenario(0).unwrap().agents[r].strategy.label(),
        "exponent 3"
    );
}

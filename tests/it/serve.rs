//! `negsim serve`: the JSON API called directly, and the server over a real socket.

use negsim::Scenario;
use negsim::serve::api::{self, State};
use negsim::serve::{Server, route};
use std::io::{Read, Write};

fn bundled() -> State {
    State::new(
        negsim::scenario::BUNDLED.to_string(),
        negsim::scenario::BUNDLED_NAME.to_string(),
        Scenario::bundled(),
    )
}

#[test]
fn every_weight_value_reservation_horizon_and_walk_out_chance_is_a_slider() {
    let st = bundled();
    let info = api::info(&st);
    let paths: Vec<&str> = info.sliders.iter().map(|s| s.path.as_str()).collect();
    let sc = &st.scenario;
    for a in &sc.agents {
        for key in ["reservation", "walk_away", "clock.horizon"] {
            assert!(
                paths.contains(&format!("agents.{}.{key}", a.id).as_str()),
                "{key}"
            );
        }
        for (t, term) in sc.terms.iter().enumerate() {
            if a.weights[t].mean() > 0.0 {
                let w = format!("agents.{}.weights.{}", a.id, term.id);
                assert!(paths.contains(&w.as_str()), "{w}");
                for o in &term.options {
                    let v = format!("agents.{}.values.{}.{o}", a.id, term.id);
                    assert!(paths.contains(&v.as_str()), "{v}");
                }
            }
        }
    }
    // Every slider is a path that the sweep accepts, and starts inside its range.
    let valid: Vec<String> = negsim::study::sweep::valid_paths(sc)
        .iter()
        .map(|p| p.join("."))
        .collect();
    for s in &info.sliders {
        assert!(valid.contains(&s.path), "{}", s.path);
        assert!(s.min <= s.value && s.value <= s.max, "{s:?}");
    }
}

#[test]
fn an_edit_moves_the_edited_side_only_and_matches_the_edited_file() {
    let st = bundled();
    let body = r#"{"edits": {"agents.russia.weights.sanctions": 0.4}, "runs": 800}"#;
    let c = api::run(&st, body).unwrap();
    let (_, file) = negsim::simulate_report(
        &st.scenario,
        &negsim::Overrides {
            runs: Some(800),
            // Independent runs: paired with the other side run for run.
            worlds: Some(0),
            ..Default::default()
        }
        .resolve(&st.scenario)
        .unwrap(),
        &negsim::Control::default(),
    )
    .unwrap();
    assert_eq!(c.a, file, "the file's side is `negsim run`'s report");
    // The downloaded TOML runs to the same report as the edited side, and holds the edit.
    let text = api::toml(&st, body).unwrap();
    let edited = Scenario::from_toml_str(&text, "edited.toml").unwrap();
    let russia = edited.agent_index("russia").unwrap();
    let t = edited.term_index("sanctions").unwrap();
    assert_eq!(
        edited.agents[russia].weights[t].dist,
        negsim::engine::dist::Dist::Fixed(0.4)
    );
    let sim = negsim::Overrides {
        runs: Some(800),
        // Independent runs: paired with the other side run for run.
        worlds: Some(0),
        ..Default::default()
    }
    .resolve(&edited)
    .unwrap();
    let (_, again) = negsim::simulate_report(&edited, &sim, &negsim::Control::default()).unwrap();
    assert_eq!(c.b.deadlines, again.deadlines);
    assert_ne!(c.a.deadlines, c.b.deadlines, "the edit changes the results");
}

#[test]
fn bad_requests_are_400_with_the_reason() {
    let st = bundled();
    let r = route(
        &st,
        "POST",
        "/api/run",
        r#"{"edits": {"agents.russia.weights.sanctionz": 0.4}}"#,
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("did you mean") && r.body.contains("sanctions"),
        "{}",
        r.body
    );
    let r = route(
        &st,
        "POST",
        "/api/run",
        r#"{"edits": {"agents.russia.reservation": 7}}"#,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let r = route(&st, "POST", "/api/run", "not json");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("edits"), "{}", r.body);
    let r = route(&st, "POST", "/api/run", r#"{"runs": 100000000}"#);
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(route(&st, "GET", "/nothing", "").status, 404);
}

#[test]
fn play_replays_the_lines_and_waits_for_the_next() {
    let st = bundled();
    let start = api::play(&st, r#"{"agent": "ukraine", "deadline": 8, "lines": []}"#).unwrap();
    assert!(!start.over);
    assert!(
        start.transcript.contains("you are ukraine"),
        "{}",
        start.transcript
    );
    let two = api::play(
        &st,
        r#"{"agent": "ukraine", "deadline": 8, "lines": ["r", "r"]}"#,
    )
    .unwrap();
    assert!(two.transcript.starts_with(&start.transcript));
    assert!(two.transcript.len() > start.transcript.len());
    let quit = api::play(
        &st,
        r#"{"agent": "ukraine", "deadline": 8, "lines": ["q"]}"#,
    )
    .unwrap();
    assert!(quit.over, "{}", quit.transcript);
    let r = route(&st, "POST", "/api/play", r#"{"agent": "nobody"}"#);
    assert_eq!(r.status, 400);
}

/// One HTTP/1.0 request over a socket; the status line and the body.
fn http(addr: &str, req: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

#[test]
fn the_server_answers_on_loopback_with_the_embedded_page() {
    let server = Server::bind("127.0.0.1:0", bundled()).unwrap();
    let url = server.url();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{url}");
    std::thread::spawn(move || server.run());
    let (status, body) = http(&addr, "GET / HTTP/1.0\r\n\r\n");
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("<script src=\"/app.js\">"));
    // No external requests: every address in the page is this server's.
    for asset in [
        negsim::serve::INDEX_HTML,
        negsim::serve::APP_JS,
        negsim::serve::STYLE_CSS,
    ] {
        assert!(
            !asset.contains("https://") && !asset.contains("//cdn"),
            "external link"
        );
    }
    let body_json = r#"{"edits": {}, "runs": 200}"#;
    let (status, body) = http(
        &addr,
        &format!(
            "POST /api/run HTTP/1.0\r\nContent-Length: {}\r\n\r\n{body_json}",
            body_json.len()
        ),
    );
    assert!(status.contains("200"), "{status} {body}");
    let j: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(j["runs"], 200);
    // A port in use is invalid input with what to do.
    let taken = Server::bind(&addr, bundled())
        .err()
        .expect("the port is taken");
    assert!(taken.to_string().contains("--port"), "{taken}");
}

/// A POST over the socket: the status line and the body as JSON.
fn post(addr: &str, path: &str, body: &str) -> (String, serde_json::Value) {
    let (status, text) = http(
        addr,
        &format!(
            "POST {path} HTTP/1.0\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    let j = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, j)
}

#[test]
fn two_tabs_share_one_table_held_by_the_server() {
    let server = Server::bind("127.0.0.1:0", bundled()).unwrap();
    let addr = server
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    std::thread::spawn(move || server.run());
    // One tab opens the table for Ukraine and the US (the mediator tables first).
    let (status, t) = post(
        &addr,
        "/api/table/new",
        r#"{"seats": ["ukraine", "us"], "deadline": 4}"#,
    );
    assert!(status.contains("200"), "{status} {t}");
    let n = t["table"].as_u64().unwrap();
    assert_eq!(t["seats"], serde_json::json!(["ukraine", "us"]));
    assert_eq!(t["waiting"], "us");
    let seat = |s: &str, line: Option<&str>| {
        let body = match line {
            Some(l) => format!(r#"{{"table": {n}, "seat": "{s}", "line": "{l}"}}"#),
            None => format!(r#"{{"table": {n}, "seat": "{s}"}}"#),
        };
        post(&addr, "/api/table", &body)
    };
    // Ukraine's tab polls: not its turn, and the US's numbers are not in its view.
    let (_, ua) = seat("ukraine", None);
    assert_eq!(ua["your_turn"], false);
    let text = ua["transcript"].as_str().unwrap();
    assert!(
        text.contains("You are ukraine") && !text.contains("You are us"),
        "{text}"
    );
    // Moving out of turn is refused with the reason, and changes nothing.
    let (status, e) = seat("ukraine", Some("a"));
    assert!(status.contains("400"), "{status}");
    assert!(
        e["error"].as_str().unwrap().contains("it is us's turn"),
        "{e}"
    );
    // The US's tab tables a text; Ukraine's tab then sees it, with its value to Ukraine.
    let (_, us) = seat("us", Some("3 2 1 2 1 1"));
    assert_eq!(us["waiting"], "ukraine");
    assert_eq!(us["moves"], 1);
    let (_, ua) = seat("ukraine", None);
    assert_eq!(ua["your_turn"], true);
    let text = ua["transcript"].as_str().unwrap();
    assert!(text.contains("us tables the text:") && text.contains("Accept or reject?"));
    let (_, ua) = seat("ukraine", Some("r"));
    assert!(
        ua["transcript"]
            .as_str()
            .unwrap()
            .contains("ukraine rejects")
    );
    assert_eq!(ua["waiting"], "us");
    // Walking out ends the game: both tabs see the debrief.
    let (_, us) = seat("us", Some("q"));
    assert_eq!(us["over"], true);
    let (_, ua) = seat("ukraine", None);
    assert_eq!(ua["over"], true);
    assert!(
        ua["transcript"]
            .as_str()
            .unwrap()
            .contains("=== Debrief ===")
    );
    // Unknown tables and seats are 400 with what would be right.
    let (status, e) = post(&addr, "/api/table", r#"{"table": 99, "seat": "us"}"#);
    assert!(status.contains("400") && e["error"].as_str().unwrap().contains("no table 99"));
    let (status, e) = seat("russia", None);
    assert!(status.contains("400"), "{e}");
    assert!(e.to_string().contains("give one of ukraine, us"), "{e}");
    let (status, e) = post(&addr, "/api/table/new", r#"{"seats": ["usa"]}"#);
    assert!(
        status.contains("400") && e.to_string().contains("usa"),
        "{e}"
    );
}

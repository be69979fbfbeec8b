//! `negsim serve`: the classroom page on a local port.

use super::args::*;
use negsim::request::load_source;
use negsim::scenario::Scenario;
use negsim::serve::{Server, api::State};

pub(super) fn cmd_serve(a: &ServeArgs) -> anyhow::Result<()> {
    let (source, origin) = load_source(a.scenario.as_deref())?;
    let scenario = Scenario::from_toml_str(&source, &origin)?;
    let server = Server::bind(
        &format!("{}:{}", a.host, a.port),
        State::new(source, origin, scenario),
    )?;
    let url = server.url();
    eprintln!("negsim: serving {url} (Ctrl-C stops)");
    if a.open {
        open_browser(&url);
    }
    server.run();
    Ok(())
}

/// Opens `url` in the desktop's browser; a failure only says so (the URL is printed).
fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(program)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("negsim: could not start {program} ({e}): open {url} by hand");
    }
}

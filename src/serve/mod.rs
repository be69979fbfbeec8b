//! `negsim serve`: a local web page for a class. Every number of the scenario is a slider;
//! the chart of P(agreement) by deadline, the top deals and the comparison with the file
//! follow the sliders; the edited scenario downloads as TOML; a tab plays `play`.
//!
//! The page (HTML, CSS and script) is embedded in the binary and makes no request but to this
//! server. The server is `tiny_http` on one thread: requests are answered in turn, each
//! simulation using every core through rayon, and the page keeps at most one request in
//! flight, so a slider being dragged never queues up stale work. Why `tiny_http` and not a
//! framework on an async runtime: the page needs four routes on loopback, and its clean build
//! is seconds, not a minute (BENCHMARKS.md).

pub mod api;

use crate::error::{Error, InputError};
use api::State;
use std::io::Read;

/// The page.
pub const INDEX_HTML: &str = include_str!("index.html");
/// The page's script.
pub const APP_JS: &str = include_str!("app.js");
/// The page's style sheet.
pub const STYLE_CSS: &str = include_str!("style.css");

/// Largest request body read, in bytes (edits of every slider fit in a few kilobytes).
pub const MAX_BODY_BYTES: u64 = 1 << 20;

/// The response to one request: status, content type and body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Content-Type header.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

impl Response {
    fn ok(content_type: &'static str, body: impl Into<String>) -> Response {
        Response {
            status: 200,
            content_type,
            body: body.into(),
        }
    }

    fn json<T: serde::Serialize>(v: &T) -> Response {
        Response::ok(
            "application/json",
            serde_json::to_string(v).expect("replies serialize"),
        )
    }

    /// Invalid input is 400 with the message (what is wrong, what would be right); any other
    /// failure is 500.
    fn error(e: &Error) -> Response {
        let status = if matches!(e, Error::Input(_)) {
            400
        } else {
            500
        };
        Response {
            status,
            content_type: "application/json",
            body: serde_json::json!({ "error": e.to_string() }).to_string(),
        }
    }
}

/// Answers one request: `method` and `url` as received, `body` read whole.
pub fn route(state: &State, method: &str, url: &str, body: &str) -> Response {
    let path = url.split('?').next().unwrap_or(url);
    let reply = |r: Result<Response, Error>| r.unwrap_or_else(|e| Response::error(&e));
    match (method, path) {
        ("GET", "/") | ("GET", "/index.html") => {
            Response::ok("text/html; charset=utf-8", INDEX_HTML)
        }
        ("GET", "/app.js") => Response::ok("text/javascript; charset=utf-8", APP_JS),
        ("GET", "/style.css") => Response::ok("text/css; charset=utf-8", STYLE_CSS),
        ("GET", "/api/scenario") => Response::json(&api::info(state)),
        ("GET", "/api/source") => Response::ok("text/plain; charset=utf-8", state.source.clone()),
        ("POST", "/api/run") => reply(api::run_reply(state, body).map(|c| Response::json(&c))),
        ("POST", "/api/toml") => reply(
            api::toml(state, body).map(|t| Response::ok("application/toml; charset=utf-8", t)),
        ),
        ("POST", "/api/play") => reply(api::play(state, body).map(|p| Response::json(&p))),
        ("POST", "/api/table/new") => {
            reply(api::new_table(state, body).map(|t| Response::json(&t)))
        }
        ("POST", "/api/table") => reply(api::table(state, body).map(|t| Response::json(&t))),
        _ => Response {
            status: 404,
            content_type: "text/plain; charset=utf-8",
            body: format!("no page at {path}\n"),
        },
    }
}

/// A bound server, not yet answering.
pub struct Server {
    http: tiny_http::Server,
    state: State,
}

impl Server {
    /// Binds to `addr` (`127.0.0.1:8080`; port 0 picks a free one).
    pub fn bind(addr: &str, state: State) -> Result<Server, Error> {
        let http = tiny_http::Server::http(addr).map_err(|e| {
            Error::Input(
                InputError::new("--port", format!("cannot listen on {addr}: {e}")).with_help(
                    "give another port with --port (0 picks a free one), or stop the program using it",
                ),
            )
        })?;
        Ok(Server { http, state })
    }

    /// The address it listens on, as a URL (`http://127.0.0.1:8080/`).
    pub fn url(&self) -> String {
        match self.http.server_addr() {
            tiny_http::ListenAddr::IP(a) => format!("http://{a}/"),
            #[allow(unreachable_patterns)]
            other => format!("http://{other}/"),
        }
    }

    /// Answers requests until the process ends.
    pub fn run(&self) {
        for req in self.http.incoming_requests() {
            self.answer(req);
        }
    }

    fn answer(&self, mut req: tiny_http::Request) {
        let mut body = String::new();
        let too_big = req.body_length().is_some_and(|n| n as u64 > MAX_BODY_BYTES);
        let read = (&mut req.as_reader())
            .take(MAX_BODY_BYTES + 1)
            .read_to_string(&mut body);
        let resp = if too_big || body.len() as u64 > MAX_BODY_BYTES || read.is_err() {
            Response {
                status: 413,
                content_type: "application/json",
                body: serde_json::json!({ "error": "the request body is too large or not UTF-8 text" })
                    .to_string(),
            }
        } else {
            route(&self.state, req.method().as_str(), req.url(), &body)
        };
        let header = tiny_http::Header::from_bytes("Content-Type", resp.content_type)
            .expect("content types are valid headers");
        // No caching: the page and its answers change with the binary and the sliders.
        let no_store =
            tiny_http::Header::from_bytes("Cache-Control", "no-store").expect("a valid header");
        let r = tiny_http::Response::from_string(resp.body)
            .with_status_code(resp.status)
            .with_header(header)
            .with_header(no_store);
        // A client that left before its answer is nothing to report.
        let _ = req.respond(r);
    }
}

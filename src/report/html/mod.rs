//! The HTML pages, written with `maud` (compile-time templates that escape every text and
//! attribute value): the run report ([`run`]), the sweep page ([`sweep`]) and the sensitivity
//! page and section ([`sensitivity`]), all on the chrome of this module: the doctype, the head
//! with the one stylesheet (no scripts, fonts or network), and the number cells whose
//! `data-*` attributes make every shown number machine-findable. No page depends on another.

pub mod answer;
pub mod run;
mod run_answer;
mod run_charts;
mod run_plane;
mod run_tables;
pub mod sensitivity;
pub mod sweep;

use maud::{DOCTYPE, Markup, html};

/// The one stylesheet of every page (print-friendly; charts scale to the page width).
const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #111; background: #fff; max-width: 980px; margin: 0 auto; padding: 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #333; padding-bottom: 0.15em; margin-top: 2em; }
h3 { margin-top: 1.4em; }
.meta { color: #333; }
.note { color: #333; font-size: 0.92em; }
.warn { border: 2px solid #D55E00; padding: 0.5em 0.8em; font-weight: bold; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.22em 0.5em; vertical-align: top; }
th { background: #eee; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
td.heat { text-align: right; font-variant-numeric: tabular-nums; min-width: 3.2em; }
td.red { font-weight: bold; text-decoration: line-through; }
figure { margin: 1em 0 1.6em; }
figcaption { font-size: 0.9em; color: #333; max-width: 760px; }
svg.chart { max-width: 100%; height: auto; display: block; }
pre { background: #f4f4f4; border: 1px solid #ccc; padding: 0.7em; white-space: pre-wrap; overflow-wrap: anywhere; }
nav ol { columns: 2; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  figure, table, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// A self-contained page: the doctype, a head with the shared stylesheet and `title`, and
/// `body` as the content of `<body>`.
pub fn page(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE) "\n"
        html lang="en" {
            "\n"
            head {
                "\n" meta charset="utf-8";
                "\n" meta name="viewport" content="width=device-width, initial-scale=1";
                "\n" meta name="generator" content={ "negsim " (env!("CARGO_PKG_VERSION")) };
                "\n" title { (title) }
                // The stylesheet is a constant of this file, not data: maud would escape the
                // quotes of its font names.
                "\n" style { (maud::PreEscaped(CSS)) }
                "\n"
            }
            "\n"
            body { "\n" (body) }
            "\n"
        }
        "\n"
    }
    .into_string()
}

/// A table cell holding a number: `data-k` names the JSON field, `data-v` holds the exact
/// value, the text shows `shown`.
pub fn num_cell(key: &str, exact: &str, shown: &str) -> Markup {
    html! { td class="n" data-k=(key) data-v=(exact) { (shown) } }
}

/// A number in running text: `data-k` names the JSON field, `data-v` holds the exact value.
pub fn num_span(key: &str, exact: &str, shown: &str) -> Markup {
    html! { span data-k=(key) data-v=(exact) { (shown) } }
}

/// A dotted path with a line-break opportunity (`<wbr>`) after every dot, so that long paths
/// wrap in narrow table columns instead of widening the page.
pub fn breakable(path: &str) -> Markup {
    let mut parts = path.split('.').peekable();
    html! {
        @while let Some(p) = parts.next() {
            (p)
            @if parts.peek().is_some() { "." wbr; }
        }
    }
}

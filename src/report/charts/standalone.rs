//! Every chart of a page as a standalone SVG file (`negsim report --svg-dir DIR`), for a
//! briefing or a slide: the same drawing as in the page, with the SVG namespace (a browser
//! or an editor opening the file alone needs it) and the fonts named on the root element.

use crate::error::Error;
use std::path::{Path, PathBuf};

/// The namespace a standalone SVG file must declare.
const XMLNS: &str = "http://www.w3.org/2000/svg";

/// The charts of `page` as (file name, file text): one per `<svg id="...">` element, named
/// after its id.
pub fn standalone(page: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find("<svg ") {
        let from = &rest[i..];
        let Some(end) = from.find("</svg>") else {
            break;
        };
        let element = &from[..end + "</svg>".len()];
        rest = &from[end..];
        let id = element
            .split_once(" id=\"")
            .and_then(|(_, r)| r.split_once('"'))
            .map_or("chart", |(id, _)| id);
        // Ids are negsim's own, but a file name is built from them: keep it plain.
        let name: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        text.push_str(&format!("<svg xmlns=\"{XMLNS}\""));
        text.push_str(&element["<svg".len()..]);
        text.push('\n');
        out.push((format!("{name}.svg"), text));
    }
    out
}

/// Writes the charts of `page` into `dir` (created if missing), each replaced atomically;
/// returns the paths written.
pub fn write_all(page: &str, dir: &Path) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let mut written = Vec::new();
    for (name, text) in standalone(page) {
        let path = dir.join(name);
        crate::output::write_whole(&crate::output::Target::Path(path.clone()), text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_chart_becomes_a_file_with_the_namespace() {
        let page = "<p>x</p><svg id=\"chart-p\" font-family=\"Arial\"><text>a &lt; b</text></svg>\
                    <svg id=\"chart-term-0\"><g/></svg>";
        let files = standalone(page);
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].0, "chart-p.svg");
        assert!(
            files[0]
                .1
                .contains("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart-p\"")
        );
        assert!(files[0].1.ends_with("</svg>\n"));
        assert_eq!(files[1].0, "chart-term-0.svg");
    }
}

//! GENIUS XML as text: entity limits, the bare `&` that GENIUS's own parser accepts, parsing,
//! and messages located at an element (file, line and column).

use super::*;

/// Parsed XML plus the file it came from, for located messages.
pub(super) struct Xml<'a, 'input> {
    pub origin: &'a str,
    pub doc: &'a Document<'input>,
}

impl Xml<'_, '_> {
    /// An error located at `node`.
    pub fn err(&self, node: Node, msg: impl Into<String>) -> InputError {
        let p = self.doc.text_pos_at(node.range().start);
        let mut e = InputError::new(self.origin, msg);
        e.location = Some((p.row as usize, p.col as usize));
        e
    }

    /// A warning located at `node`.
    pub fn warn(&self, node: Node, msg: impl std::fmt::Display) -> String {
        let p = self.doc.text_pos_at(node.range().start);
        format!("{}:{}:{}: {msg}", self.origin, p.row, p.col)
    }

    /// A required attribute.
    pub fn attr<'n>(&self, node: Node<'n, '_>, name: &str) -> Result<&'n str, InputError> {
        node.attribute(name).ok_or_else(|| {
            self.err(
                node,
                format!("<{}> has no `{name}` attribute", node.tag_name().name()),
            )
        })
    }

    /// A required numeric attribute (Java's `Double.valueOf` accepts surrounding blanks).
    pub fn num(&self, node: Node, name: &str) -> Result<f64, InputError> {
        let raw = self.attr(node, name)?;
        match raw.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.err(
                node,
                format!(
                    "<{}> {name}=\"{raw}\" is not a number",
                    node.tag_name().name()
                ),
            )),
        }
    }

    /// The `index` attribute of an issue or weight.
    pub fn index(&self, node: Node) -> Result<i64, InputError> {
        let raw = self.attr(node, "index")?;
        raw.trim().parse::<i64>().map_err(|_| {
            self.err(
                node,
                format!(
                    "<{}> index=\"{raw}\" is not an integer",
                    node.tag_name().name()
                ),
            )
        })
    }
}

pub(super) fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

/// The text to parse: the file as is, or, when only that fails, with each `&` that starts
/// no entity read as a literal `&` (GENIUS's own parser reads such files, for example the
/// ANAC 2015 Symposium domain's value "Coffee & Thee").
pub(super) fn xml_text<'s>(
    src: &'s Source,
    warnings: &mut Vec<String>,
) -> Result<Cow<'s, str>, InputError> {
    check_entities(src)?;
    let first = match parse(&src.text) {
        Ok(_) => return Ok(Cow::Borrowed(&src.text)),
        Err(e) => e,
    };
    let repaired = escape_bare_ampersands(&src.text);
    if let Cow::Owned(fixed) = repaired
        && parse(&fixed).is_ok()
    {
        warnings.push(format!(
            "{}: a bare `&` (not `&amp;`) was read as a literal `&`, as GENIUS does",
            src.origin
        ));
        return Ok(Cow::Owned(fixed));
    }
    let pos = first.pos();
    // roxmltree ends its message with the position, which the location already gives.
    let msg = first.to_string();
    let msg = msg.rsplit_once(" at ").map_or(msg.as_str(), |(m, _)| m);
    let mut e = InputError::new(&src.origin, format!("malformed XML: {msg}"));
    e.location = Some((pos.row as usize, pos.col as usize));
    Err(e.with_help("fix the XML (a GENIUS file is well-formed XML) and try again"))
}

/// Most bytes the references to a document's own entities (`<!ENTITY name "...">`) may
/// expand to. Why: the parser expands every reference in place, so a 161 kB file with a
/// 100 kB entity referenced 20,000 times took 5.9 GB; real GENIUS files use no entities
/// beyond the five predefined ones.
pub(super) const MAX_ENTITY_EXPANSION: u64 = 1 << 20;

/// Refuses a document whose entity references would expand to more than
/// [`MAX_ENTITY_EXPANSION`] bytes, before the parser expands them. An upper bound: every
/// `&name;` anywhere in the text counts the full expansion of `name` (nested references
/// included, each entity at most as long as its declaration expands).
pub(super) fn check_entities(src: &Source) -> Result<(), InputError> {
    let text = src.text.as_str();
    if !text.contains("<!ENTITY") {
        return Ok(());
    }
    // Declared values, in order; a value may refer to entities declared before it.
    let mut sizes: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    let refs = |value: &str, sizes: &std::collections::HashMap<&str, u64>| -> u64 {
        value
            .match_indices('&')
            .filter_map(|(i, _)| {
                let rest = &value[i + 1..];
                let end = rest.find(';')?;
                sizes.get(&rest[..end]).copied()
            })
            .fold(0u64, u64::saturating_add)
    };
    for (i, _) in text.match_indices("<!ENTITY") {
        let rest = text[i + 8..].trim_start();
        let Some(end) = rest.find(|c: char| c.is_whitespace()) else {
            continue;
        };
        let name = &rest[..end];
        let body = rest[end..].trim_start();
        let Some(q) = body.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        let Some(close) = body[1..].find(q) else {
            continue;
        };
        let value = &body[1..1 + close];
        let size = (value.len() as u64).saturating_add(refs(value, &sizes));
        sizes.insert(name, size);
    }
    let total = refs(text, &sizes);
    if total > MAX_ENTITY_EXPANSION {
        return Err(InputError::new(
            &src.origin,
            format!(
                "the XML's entity references expand to {} bytes, more than the limit of {} MiB",
                crate::scenario::thousands(total),
                MAX_ENTITY_EXPANSION >> 20
            ),
        )
        .with_help("a GENIUS file needs no <!ENTITY> declarations: write the text in place"));
    }
    Ok(())
}

pub(super) fn parse(text: &str) -> Result<Document<'_>, roxmltree::Error> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    Document::parse_with_options(text, opts)
}

/// Replaces each `&` that does not start `&name;`, `&#N;` or `&#xH;` by `&amp;`.
pub(super) fn escape_bare_ampersands(text: &str) -> Cow<'_, str> {
    let starts_entity = |rest: &str| {
        let Some(end) = rest.find(';') else {
            return false;
        };
        let body = &rest[1..end];
        if let Some(num) = body.strip_prefix("#x") {
            !num.is_empty() && num.chars().all(|c| c.is_ascii_hexdigit())
        } else if let Some(num) = body.strip_prefix('#') {
            !num.is_empty() && num.chars().all(|c| c.is_ascii_digit())
        } else {
            let mut chars = body.chars();
            chars
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
                && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '.' | '-'))
        }
    };
    if !text
        .match_indices('&')
        .any(|(i, _)| !starts_entity(&text[i..]))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut last = 0;
    for (i, _) in text.match_indices('&') {
        out.push_str(&text[last..i]);
        out.push_str(if starts_entity(&text[i..]) {
            "&"
        } else {
            "&amp;"
        });
        last = i + 1;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

//! CSV records through the `csv` crate: quoting (of commas, quotes and line breaks) is the
//! crate's job, so it no longer depends on what the scenario validation lets through.

use serde::{Serialize, Serializer};

/// One record (without its line break): `rec` is a tuple, struct or sequence of scalars.
pub fn record<S: Serialize + ?Sized>(rec: &S) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.serialize(rec).expect("scalars serialize as CSV");
    let mut bytes = w.into_inner().expect("writing to memory cannot fail");
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8")
}

/// A float as CSV shows it: Rust's shortest round-trip text without exponent, and always
/// with a decimal point (`1.0`, not `1`), so that pandas and R type every float column as
/// float even when all its values are whole.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown(pub f64);

impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&float_text(self.0))
    }
}

/// `x` in the form of [`Shown`]: `0.25`, `1.0`, `0.000005`, `1000000000000000000000.0`.
pub fn float_text(x: f64) -> String {
    let mut t = x.to_string();
    if x.is_finite() && !t.contains('.') {
        t.push_str(".0");
    }
    t
}

/// One CSV field, quoted by the `csv` crate when it needs to be (commas, quotes, line
/// breaks); borrowed as it is otherwise, which keeps the per-run table's hot path cheap.
pub fn field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(record(&[s]))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(
            record(&("0.25", 3, Shown(1.0), None::<Shown>)),
            "0.25,3,1.0,"
        );
        assert_eq!(
            record(&["dist:normal(0.3,0.05)"]),
            "\"dist:normal(0.3,0.05)\""
        );
        assert_eq!(record(&["say \"hi\""]), "\"say \"\"hi\"\"\"");
        assert_eq!(record(&["two\nlines", "x"]), "\"two\nlines\",x");
        assert_eq!(
            record(&(Shown(0.000005), Shown(1e21))),
            "0.000005,1000000000000000000000.0"
        );
    }
}

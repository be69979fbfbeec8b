//! Error types of the library. Invalid input is kept apart from I/O failures so that the
//! binary can map it to exit code 2 and print it without a backtrace.

use std::fmt;

/// Any failure of a negsim operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user's input (scenario file or option) is invalid.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Reading or writing a file failed.
    // The I/O error is part of the message, not a separate source, so that `{:#}` prints it
    // once.
    #[error("{path}: {cause}")]
    Io {
        /// The file involved.
        path: String,
        /// The underlying error.
        cause: std::io::Error,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<String>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A problem with user input, located in its source where possible.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// Where the input came from: a file name, `<bundled>`, or `--flag`.
    pub origin: String,
    /// 1-based line and column of the offending text, when known.
    pub location: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// What would be right, or a close valid name.
    pub help: Option<String>,
}

impl InputError {
    /// An error without a position (for example about a command-line flag).
    pub fn new(origin: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            origin: origin.into(),
            location: None,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a hint telling what would be valid.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds the position of byte offset `at` within `source`.
    pub fn at(mut self, source: &str, at: usize) -> Self {
        self.location = Some(line_col(source, at));
        self
    }
}

/// Longest message or help printed, in characters. Why: messages quote the input, and the
/// readers cut each quote at 40 characters, but a message built from many input-derived parts
/// (or a quote that escaped the cut) must not print megabytes either; a GENIUS file once
/// produced a 2 GB message.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// `s`, or its first [`MAX_MESSAGE_CHARS`] characters and a note that it was cut.
fn bounded(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => s.into(),
        Some((at, _)) => format!("{}... (message cut)", &s[..at]).into(),
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (origin, message) = (bounded(&self.origin), bounded(&self.message));
        match self.location {
            Some((line, col)) => write!(f, "{origin}:{line}:{col}: {message}")?,
            None => write!(f, "{origin}: {message}")?,
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {}", bounded(help))?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Largest input file of any kind read, in bytes (scenarios, part files, imported domains and
/// profiles). Why: every reader holds the whole file, so `/dev/zero` or a multi-gigabyte file
/// given by mistake must cost nothing; the largest real inputs are far below this.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

/// Reads at most [`MAX_INPUT_BYTES`] of the file at `path` (one byte past the limit, so that a
/// huge file or `/dev/zero` costs nothing); `what` names the kind of file in messages ("the
/// part file"), `help` says what is expected and `too_large` what such a file usually holds.
pub fn read_input(
    path: &std::path::Path,
    origin: &str,
    what: &str,
    [help, too_large]: [&str; 2],
) -> Result<Vec<u8>, InputError> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| InputError::new(origin, format!("cannot read {what}: {e}")).with_help(help))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::new(
            origin,
            format!(
                "the file is larger than the limit of {} MiB",
                MAX_INPUT_BYTES >> 20
            ),
        )
        .with_help(format!("{too_large}; check that this is the right file")));
    }
    Ok(bytes)
}

/// Decodes a file's bytes as UTF-8; otherwise an error located at the first invalid byte,
/// with `help` saying how to fix the file.
pub fn utf8_text(bytes: Vec<u8>, origin: &str, help: &str) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        InputError::new(
            origin,
            format!("the file is not valid UTF-8 (invalid byte at offset {at})"),
        )
        .at(&lossy, at)
        .with_help(help)
    })
}

/// 1-based line and column (in characters) of byte offset `at` in `source`.
pub fn line_col(source: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..at].chars().count() + 1;
    (line, col)
}

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Edit distance is quadratic: a megabyte-long name against a thousand candidates took
    // minutes (a hostile-input finding). No valid name is this long, so there is nothing to
    // suggest.
    const LONGEST: usize = 256;
    if name.len() > 4 * LONGEST {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for c in candidates.into_iter().filter(|c| c.len() <= 4 * LONGEST) {
        let d = edit_distance(name, c);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (name.chars().count().max(c.chars().count()) / 3).max(1);
    (d <= limit || c.contains(name) || name.contains(c)).then_some(c)
}

/// Levenshtein distance between two strings, by characters (strsim's, the crate clap uses
/// for its own suggestions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

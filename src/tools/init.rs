//! `negsim init`: a commented starter scenario for students to copy and change.

use crate::error::{Error, InputError};
use std::io::Write;
use std::path::Path;

/// The starter scenario: two parties, three terms, every key commented.
pub const STARTER: &str = include_str!("starter.toml");

/// Writes the starter scenario to `path`. An existing file is invalid input unless `force`
/// (then it is replaced atomically); without `force` the file is created exclusively, so a
/// file that appears meanwhile is never overwritten either.
pub fn write_starter(path: &Path, force: bool) -> Result<(), Error> {
    write_new(path, force, STARTER)
}

/// Writes `text` to `path` as [`write_starter`] does (`negsim init --bundled` writes the
/// bundled scenario this way).
pub fn write_new(path: &Path, force: bool, text: &str) -> Result<(), Error> {
    let shown = path.display().to_string();
    if force {
        return crate::output::write_whole(
            &crate::output::Target::Path(path.to_path_buf()),
            text.as_bytes(),
        );
    }
    let exists = || {
        Error::Input(
            InputError::new(&shown, "the file already exists; it was left unchanged")
                .with_help("give another path, or add --force to overwrite it"),
        )
    };
    if path.exists() {
        return Err(exists());
    }
    let mut f = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists()),
        Err(e) => return Err(Error::io(shown, e)),
    };
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(shown, e))
}

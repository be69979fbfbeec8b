//! Writing a command's result without destroying anything on the way: `-` is stdout, a
//! regular file is replaced atomically (a randomly named temporary file in the same directory,
//! created exclusively, then renamed over the target), an existing device, FIFO or socket is
//! opened and written in place, and a symlink is followed to the file it names.
//!
//! Why this matters: a rename over `/dev/null` turns the device into a regular file (as root),
//! a rename over a symlink replaces the link instead of writing its target, and a rename over a
//! FIFO leaves its reader waiting forever. A predictable temporary name lets a planted symlink
//! redirect the write.

use crate::error::{Error, InputError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How many symlinks are followed before a chain is taken for a loop (as Linux's ELOOP).
const MAX_LINKS: usize = 40;

/// Where a result goes: standard output, or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Standard output (no `--output`, or `--output -`).
    Stdout,
    /// A file path as given.
    Path(PathBuf),
}

impl Target {
    /// The target of an `--output` flag: none or `-` means stdout.
    pub fn of(path: Option<&Path>) -> Target {
        match path {
            None => Target::Stdout,
            Some(p) if p.as_os_str() == "-" => Target::Stdout,
            Some(p) => Target::Path(p.to_path_buf()),
        }
    }

    /// The path, unless this is stdout.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Target::Stdout => None,
            Target::Path(p) => Some(p),
        }
    }

    /// How the target is named in messages.
    pub fn name(&self) -> String {
        match self {
            Target::Stdout => "stdout".into(),
            Target::Path(p) => p.display().to_string(),
        }
    }
}

/// An output prepared before the work starts, so that an unwritable path fails at once
/// instead of after a long simulation; [`Pending::commit`] writes the result.
#[derive(Debug)]
pub struct Pending {
    shown: String,
    how: How,
}

#[derive(Debug)]
enum How {
    Stdout,
    /// A temporary sibling of the (resolved) target, renamed over it on commit.
    Replace {
        tmp: tempfile::NamedTempFile,
        target: PathBuf,
    },
    /// An existing non-regular file, opened for writing on commit (opening a FIFO early would
    /// block until a reader comes).
    InPlace(PathBuf),
}

/// Follows `path` through symlinks to the path that a write should reach (which need not
/// exist yet: a dangling link names the file to create).
pub fn resolve_links(path: &Path) -> Result<PathBuf, Error> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to =
                    std::fs::read_link(&p).map_err(|e| Error::io(p.display().to_string(), e))?;
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::io(
        path.display().to_string(),
        std::io::Error::other("too many levels of symbolic links"),
    ))
}

/// Prepares `target` for one whole write: checks the directory and creates the temporary file
/// now.
pub fn prepare(target: &Target) -> Result<Pending, Error> {
    let shown = target.name();
    let Some(path) = target.path() else {
        return Ok(Pending {
            shown,
            how: How::Stdout,
        });
    };
    let real = resolve_links(path)?;
    let existing = match std::fs::metadata(&real) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(shown, e)),
    };
    if let Some(m) = &existing {
        if m.is_dir() {
            return Err(Error::Input(
                InputError::new(&shown, "the output path is a directory")
                    .with_help("give a file name, or - for stdout"),
            ));
        }
        if !m.is_file() {
            return Ok(Pending {
                shown,
                how: How::InPlace(real),
            });
        }
    }
    let dir = real
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut b = tempfile::Builder::new();
    b.prefix(".negsim-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // As File::create would: 0666 less the umask for a new file, the old mode for a
        // replaced one (tempfile's own default, 0600, would hide a report from its readers).
        let mode = existing.as_ref().map_or(0o666, |m| m.permissions().mode());
        b.permissions(std::fs::Permissions::from_mode(mode));
    }
    let tmp = b
        .tempfile_in(dir)
        .map_err(|e| Error::io(shown.clone(), e))?;
    Ok(Pending {
        shown,
        how: How::Replace { tmp, target: real },
    })
}

impl Pending {
    /// Writes `bytes` as the whole output (the temporary file is removed if this fails).
    pub fn commit(self, bytes: &[u8]) -> Result<(), Error> {
        let shown = self.shown;
        match self.how {
            How::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes)
                    .and_then(|()| out.flush())
                    .map_err(|e| Error::io("stdout", e))
            }
            How::InPlace(path) => {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| Error::io(shown.clone(), e))?;
                f.write_all(bytes)
                    .and_then(|()| f.flush())
                    .map_err(|e| Error::io(shown, e))
            }
            How::Replace { mut tmp, target } => {
                tmp.write_all(bytes)
                    .and_then(|()| tmp.as_file().sync_all())
                    .map_err(|e| Error::io(shown.clone(), e))?;
                tmp.persist(&target)
                    .map(drop)
                    .map_err(|e| Error::io(shown, e.error))
            }
        }
    }
}

/// Writes `bytes` to `target` whole: see the module documentation for the rules.
pub fn write_whole(target: &Target, bytes: &[u8]) -> Result<(), Error> {
    prepare(target)?.commit(bytes)
}

/// Whether two paths name the same file (through links; false if either does not exist).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        (Ok(x), Ok(y)) => {
            use std::os::unix::fs::MetadataExt;
            x.dev() == y.dev() && x.ino() == y.ino()
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        ),
        _ => false,
    }
}

/// Refuses writing `target` (named by `flag` in the message) when it is one of `inputs`: the
/// input would be replaced by the result (`run v.toml -o v.toml` lost the scenario).
pub fn refuse_if_input(target: &Target, flag: &str, inputs: &[&Path]) -> Result<(), InputError> {
    let Some(out) = target.path() else {
        return Ok(());
    };
    match inputs.iter().find(|i| same_file(i, out)) {
        Some(i) => Err(InputError::new(
            flag,
            format!(
                "the output {} is one of the inputs ({}); it would be replaced",
                out.display(),
                i.display()
            ),
        )
        .with_help("write the result to a file of its own")),
        None => Ok(()),
    }
}

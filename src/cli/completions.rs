//! `negsim completions SHELL` and `negsim man`: shell completion scripts and a man page,
//! generated from the command-line definition itself so that they never fall out of step.

use clap::{Args, CommandFactory, ValueEnum};
use std::path::PathBuf;

/// Shells with completion scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash (source it, or put it in /etc/bash_completion.d/negsim).
    Bash,
    /// Zsh (save it as `_negsim` in a directory of `$fpath`).
    Zsh,
    /// Fish (save it as ~/.config/fish/completions/negsim.fish).
    Fish,
}

/// `negsim completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `negsim man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The completion script of `shell` for every command and flag of negsim.
pub fn completion_script(shell: Shell) -> String {
    let mut cmd = crate::cli::Cli::command();
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    // Into memory first: clap_complete panics on a failed write (`| head`), `emit` does not.
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "negsim", &mut out);
    String::from_utf8(out).expect("completion scripts are UTF-8")
}

/// The man page negsim(1), in roff, listing every command.
pub fn man_page() -> String {
    let mut out = Vec::new();
    clap_mangen::Man::new(crate::cli::Cli::command())
        .render(&mut out)
        .expect("writing into memory cannot fail");
    String::from_utf8(out).expect("the man page is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_and_man_page_name_every_command() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let s = completion_script(shell);
            for cmd in ["run", "sweep", "merge", "completions"] {
                assert!(s.contains(cmd), "{shell:?} lacks {cmd}");
            }
            assert!(s.contains("per-run"), "{shell:?} lacks --per-run");
        }
        let man = man_page();
        assert!(
            man.starts_with(".ie") || man.contains(".TH negsim"),
            "{}",
            &man[..200]
        );
        assert!(man.contains("sweep"));
    }
}

//! The `negsim` command: flags are parsed and validated here ([`cli`]); everything they ask
//! for lives in the library, which this binary reaches only through its public API, as the
//! Python package and the web page do.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}

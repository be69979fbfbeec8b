//! The `negsim` command: everything lives in the library; this only hands over control.

fn main() -> std::process::ExitCode {
    negsim::cli::main()
}

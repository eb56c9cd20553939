//! The `shiftscope` command line: list variants, classify images, convert
//! checkpoints. Exit codes: 0 success, 1 unexpected failure, 2 usage error,
//! 3 an input image or file could not be read, 4 weights or model config
//! rejected.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(hint) = cli::hint_for(&error) {
                eprintln!("hint: {hint}");
            }
            cli::exit_code_for(&error)
        }
    }
}

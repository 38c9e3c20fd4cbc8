//! `zkinfer-serve`: the service and the log clients alone (the same code as `zkinfer serve` and
//! `zkinfer log …`), so this crate's tests can start and kill a server process.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zkinfer_serve::cli::{LogCmd, ServeArgs, exit, log, serve};

#[derive(Parser, Debug)]
#[command(
    name = "zkinfer-serve",
    version,
    about = "zkinfer verification service and log clients"
)]
struct Cli {
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the verification service.
    Serve(ServeArgs),
    /// Log clients.
    Log {
        #[command(subcommand)]
        cmd: LogCmd,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.cmd {
        Cmd::Serve(a) => exit(serve(a), cli.json),
        Cmd::Log { cmd } => exit(log(cmd, cli.json), cli.json),
    }
}

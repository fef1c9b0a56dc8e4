//! The `squall` binary: parses the command line and dispatches. Everything
//! else lives in the library.

use std::process::ExitCode;

/// mimalloc: per-thread free lists make the many small allocations of a
/// request cheaper than glibc's malloc, and it returns freed memory to the
/// OS instead of keeping it in per-thread arenas (RSS stayed at ~400 MB
/// after a bulk load with glibc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use squall::{
    App, Config,
    cli::{self, Cli, Command, ServeArgs},
    config::EnvLayer,
    telemetry,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::CheckConfig(args)) => check_config(&args),
        Some(Command::Openapi) => match squall::http::openapi::document().to_pretty_json() {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&format!("cannot render the OpenAPI document: {e}")),
        },
        Some(Command::Keygen(args)) => match args.role.parse() {
            Ok(role) => {
                let (key, entry) = cli::keygen(role, args.name.as_deref());
                println!("# The key (shown once; store it in your secret manager):\n{key}\n");
                println!("# Add to squall.toml (only the hash is kept):\n{entry}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("squall: {message}");
    ExitCode::FAILURE
}

fn load(args: &ServeArgs) -> Result<Config, String> {
    Config::load(&args.overrides(), EnvLayer::from_process()).map_err(|e| e.to_string())
}

fn check_config(args: &ServeArgs) -> ExitCode {
    match load(args).and_then(|config| config.to_redacted_toml().map_err(|e| e.to_string())) {
        Ok(toml) => {
            print!("{toml}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let config = match load(&args) {
        Ok(config) => config,
        Err(e) => return fail(&e),
    };
    telemetry::init_logging(config.log_format, args.log_level.as_deref());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        let app = App::build(config).await?;
        app.run_until_stopped(squall::shutdown::signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "squall stopped");
            fail(&e.to_string())
        }
    }
}

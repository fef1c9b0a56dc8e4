//! The command line: `serve` (the default), `check-config`, `openapi` and
//! `keygen`. Every flag has its `SQUALL_*` environment variable, shown by
//! `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::{Overrides, Role};

/// squall: an async JSON API server.
#[derive(Debug, Parser)]
#[command(name = "squall", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Flags of the default `serve`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve(ServeArgs),
    /// Validate the configuration and print it (secrets redacted) as TOML.
    CheckConfig(ServeArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// Print a new random API key and its `[[auth.keys]]` entry.
    Keygen(KeygenArgs),
}

/// Flags shared by `serve` and `check-config`.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// TOML configuration file.
    #[arg(long, env = "SQUALL_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, env = "SQUALL_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "SQUALL_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Allow a non-loopback address with no API keys configured.
    #[arg(long, env = "SQUALL_ALLOW_UNAUTHENTICATED")]
    pub allow_unauthenticated: bool,
    /// Log filter (e.g. info, squall=debug); overrides RUST_LOG.
    #[arg(long, env = "SQUALL_LOG_LEVEL", value_name = "FILTER")]
    pub log_level: Option<String>,
}

impl ServeArgs {
    /// The configuration layers these flags give.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            listen: self.listen.clone(),
            database_url: self.database_url.clone(),
            allow_unauthenticated: self.allow_unauthenticated,
        }
    }
}

/// Flags of `keygen`.
#[derive(Debug, Clone, Args)]
pub struct KeygenArgs {
    /// read, write, admin or metrics.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["read", "write", "admin", "metrics"]))]
    pub role: String,
    /// The key's name, shown as the owner of what it creates.
    #[arg(long)]
    pub name: Option<String>,
}

/// The prefix of every generated key, so leaked keys are easy to spot.
pub const KEY_PREFIX: &str = "sq_";

/// A new key (256 random bits) and the TOML entry holding its hash.
pub fn keygen(role: Role, name: Option<&str>) -> (String, String) {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let key = format!("{KEY_PREFIX}{}", hex::encode(secret));
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    let mut entry = String::from("[[auth.keys]]\n");
    if let Some(name) = name {
        entry.push_str(&format!("name = {}\n", toml::Value::String(name.to_owned())));
    }
    entry.push_str(&format!("sha256 = \"{hash}\"\nrole = \"{}\"\n", role.as_str()));
    (key, entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keygen_prints_a_prefixed_256_bit_key_whose_hash_is_in_the_entry() {
        let (key, entry) = keygen(Role::Write, Some("ci \"bot\""));
        assert!(key.starts_with(KEY_PREFIX) && key.len() == KEY_PREFIX.len() + 64, "{key}");
        assert!(entry.contains(&hex::encode(Sha256::digest(key.as_bytes()))), "{entry}");
        let parsed: toml::Value = toml::from_str(&entry).unwrap_or(toml::Value::Boolean(false));
        let first = &parsed["auth"]["keys"][0];
        assert_eq!(first["name"].as_str(), Some("ci \"bot\""));
        assert_eq!(first["role"].as_str(), Some("write"));
        assert_ne!(keygen(Role::Read, None).0, key, "keys are random");
    }
}

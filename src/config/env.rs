//! The `SQUALL_*` environment as a configuration layer.
//!
//! figment's own `Env` provider reads the process environment directly; this
//! one takes the variables as a list, so tests can pass their own without
//! mutating the process (no `set_var`). `__` marks nesting
//! (`SQUALL_LIMITS__BODY_BYTES` is `limits.body_bytes`); values are parsed
//! as figment parses environment values (numbers, booleans, arrays,
//! inline tables). `SQUALL_CONFIG` and `SQUALL_LOG_LEVEL` belong to the
//! command line and are skipped here.

use figment::{
    Error, Metadata, Profile, Provider,
    value::{Dict, Map, Value},
};

/// The prefix every squall variable starts with.
pub(super) const PREFIX: &str = "SQUALL_";

/// Variables read by the command line itself, not configuration keys.
const COMMAND_LINE_ONLY: [&str; 2] = ["SQUALL_CONFIG", "SQUALL_LOG_LEVEL"];

/// A configuration layer built from `SQUALL_*` variables.
#[derive(Debug, Clone, Default)]
pub struct EnvLayer {
    vars: Vec<(String, String)>,
}

impl EnvLayer {
    /// Keeps the `SQUALL_*` variables of `vars` that are configuration keys.
    pub fn new(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let vars = vars
            .into_iter()
            .filter(|(name, _)| name.starts_with(PREFIX) && !COMMAND_LINE_ONLY.contains(&name.as_str()))
            .collect();
        Self { vars }
    }

    /// The process environment.
    pub fn from_process() -> Self {
        Self::new(std::env::vars())
    }
}

/// `SQUALL_LIMITS__BODY_BYTES` → `["limits", "body_bytes"]`.
fn key_path(name: &str) -> Vec<String> {
    name[PREFIX.len()..].split("__").map(str::to_ascii_lowercase).collect()
}

/// Inserts `value` at `path` in `dict`, creating tables on the way.
fn insert(dict: &mut Dict, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            dict.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = dict.entry(first.clone()).or_insert_with(|| Value::from(Dict::new()));
            if entry.as_dict().is_none() {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

impl Provider for EnvLayer {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variable").interpolater(|_: &Profile, keys: &[&str]| {
            let keys: Vec<String> = keys.iter().map(|k| k.to_ascii_uppercase()).collect();
            format!("{PREFIX}{}", keys.join("__"))
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut dict = Dict::new();
        for (name, raw) in &self.vars {
            let path = key_path(name);
            if path.iter().any(String::is_empty) {
                return Err(Error::from(format!("{name}: not a configuration variable (empty key segment)")));
            }
            // Parsing a figment Value from a string cannot fail: anything
            // that is not a number, bool, array or table is a string.
            let value = raw.parse::<Value>().unwrap_or_else(|_| Value::from(raw.clone()));
            insert(&mut dict, &path, value);
        }
        Ok(Profile::Default.collect(dict))
    }
}

/// Command-line flags as the last configuration layer, so that errors about
/// their values name the flag.
#[derive(Debug, Clone, Default)]
pub(super) struct FlagLayer {
    values: Vec<(&'static str, Value)>,
}

impl FlagLayer {
    pub(super) fn new(overrides: &super::Overrides) -> Self {
        let mut values = Vec::new();
        if let Some(listen) = &overrides.listen {
            values.push(("listen", Value::from(listen.clone())));
        }
        if let Some(url) = &overrides.database_url {
            values.push(("database_url", Value::from(url.clone())));
        }
        if overrides.allow_unauthenticated {
            values.push(("allow_unauthenticated", Value::from(true)));
        }
        Self { values }
    }
}

impl Provider for FlagLayer {
    fn metadata(&self) -> Metadata {
        Metadata::named("command-line flag")
            .interpolater(|_: &Profile, keys: &[&str]| format!("--{}", keys.join("-").replace('_', "-")))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut dict = Dict::new();
        for (key, value) in &self.values {
            dict.insert((*key).to_owned(), value.clone());
        }
        Ok(Profile::Default.collect(dict))
    }
}

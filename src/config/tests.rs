//! Configuration layering and validation, without touching the process
//! environment (variables are passed to [`EnvLayer`] as a list).

use super::*;

fn env(vars: &[(&str, &str)]) -> EnvLayer {
    EnvLayer::new(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
}

fn load_toml(toml_text: &str, vars: &[(&str, &str)], overrides: Overrides) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().map_err(|e| ConfigError::Invalid(vec![issue_of(&e.to_string())]))?;
    let path = dir.path().join("squall.toml");
    std::fs::write(&path, toml_text).map_err(|e| ConfigError::Invalid(vec![issue_of(&e.to_string())]))?;
    Config::load(&Overrides { config_file: Some(path), ..overrides }, env(vars))
}

fn issue_of(message: &str) -> ConfigIssue {
    ConfigIssue { key: "test".into(), message: message.into(), source: None }
}

fn error_text(result: Result<Config, ConfigError>) -> String {
    match result {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn defaults_match_the_spec() {
    let config = Config::load(&Overrides::default(), env(&[])).unwrap_or_default();
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.database_url.to_string(), "sqlite://squall-data/squall.db");
    assert_eq!(config.limits.body_bytes, 16_777_216);
    assert_eq!(config.limits.request_timeout_ms, 30_000);
    assert_eq!(config.limits.max_limit, 10_000);
    assert_eq!(config.limits.max_connections, 16_384);
    assert!(!config.allow_unauthenticated);
    assert!(config.rate_limit.is_none() && config.auth.keys.is_empty() && config.cors.allowed_origins.is_empty());
}

#[test]
fn each_layer_overrides_the_one_before() {
    let file = "listen = \"127.0.0.1:1\"\n[limits]\nbody_bytes = 10\nmax_document_bytes = 10\n";
    let from_file = load_toml(file, &[], Overrides::default()).unwrap_or_default();
    assert_eq!((from_file.listen.port(), from_file.limits.body_bytes), (1, 10));
    let from_env =
        load_toml(file, &[("SQUALL_LISTEN", "127.0.0.1:2"), ("SQUALL_LIMITS__BODY_BYTES", "20")], Overrides::default())
            .unwrap_or_default();
    assert_eq!((from_env.listen.port(), from_env.limits.body_bytes), (2, 20));
    let flags = Overrides { listen: Some("127.0.0.1:3".into()), ..Overrides::default() };
    let from_flag = load_toml(file, &[("SQUALL_LISTEN", "127.0.0.1:2")], flags).unwrap_or_default();
    assert_eq!(from_flag.listen.port(), 3);
}

#[test]
fn command_line_variables_are_not_configuration_keys() {
    let result = Config::load(
        &Overrides::default(),
        env(&[("SQUALL_CONFIG", "x.toml"), ("SQUALL_LOG_LEVEL", "debug"), ("OTHER", "1")]),
    );
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn unknown_keys_and_variables_are_named() {
    let text = error_text(load_toml("[limits]\nbody_byte = 1\n", &[], Overrides::default()));
    assert!(text.contains("body_byte") && text.contains("squall.toml"), "{text}");
    let text = error_text(Config::load(&Overrides::default(), env(&[("SQUALL_LIMITS__NOPE", "1")])));
    assert!(text.contains("nope") && text.contains("SQUALL_LIMITS__NOPE"), "{text}");
}

#[test]
fn impossible_values_are_refused_with_their_source() {
    let text =
        error_text(load_toml("[limits]\nrequest_timeout_ms = 0\ndefault_limit = 20000\n", &[], Overrides::default()));
    assert!(text.contains("limits.request_timeout_ms: must be greater than 0"), "{text}");
    assert!(text.contains("limits.default_limit: must not exceed limits.max_limit"), "{text}");
    assert!(text.contains("squall.toml"), "the file is named: {text}");
}

#[test]
fn capabilities_not_built_yet_are_refused_not_ignored() {
    for (toml_text, key) in [
        ("[operations]\nworkers = 1\n", "operations"),
        ("[upstreams.a]\nbase_url = \"http://x\"\n", "upstreams"),
        ("[limits]\nmax_wait_s = 5\n", "limits.max_wait_s"),
        ("[limits]\nupstream_cache_bytes = 5\n", "limits.upstream_cache_bytes"),
    ] {
        let text = error_text(load_toml(toml_text, &[], Overrides::default()));
        assert!(text.contains(&format!("{key}: not supported yet")), "{toml_text}: {text}");
    }
}

#[test]
fn redacted_toml_never_shows_secrets_and_parses_back() {
    let file = r#"
database_url = "postgres://u:topsecret@h/db"
[[auth.keys]]
sha256 = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
role = "admin"
"#;
    let config = load_toml(file, &[], Overrides::default()).unwrap_or_default();
    let text = config.to_redacted_toml().unwrap_or_default();
    assert!(!text.contains("topsecret") && !text.contains("9f86d081"), "{text}");
    assert!(text.contains("role = \"admin\""), "{text}");
    assert!(toml::from_str::<toml::Value>(&text).is_ok(), "{text}");
}

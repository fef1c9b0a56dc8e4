//! The binary's command line: check-config, openapi, keygen, --help, and
//! refusing bad configuration before listening.

use std::process::Command;

fn squall() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_squall"));
    // A clean environment: no SQUALL_* from the developer's shell.
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().expect("run squall");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write_config(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("squall.toml");
    std::fs::write(&path, text).expect("write config");
    (dir, path)
}

#[test]
fn check_config_prints_the_effective_configuration_with_secrets_redacted() {
    let (_dir, path) = write_config(
        r#"
listen = "127.0.0.1:9999"
database_url = "postgres://app:hunter2@db.internal/squall"
[[auth.keys]]
name = "ci-bot"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
role = "write"
"#,
    );
    let (code, stdout, stderr) =
        run(squall().arg("check-config").arg("--config").arg(&path).env("SQUALL_LIMITS__BODY_BYTES", "1048576"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("listen = \"127.0.0.1:9999\""), "{stdout}");
    assert!(stdout.contains("body_bytes = 1048576"), "env layer applied: {stdout}");
    assert!(stdout.contains("ci-bot"), "{stdout}");
    assert!(!stdout.contains("hunter2"), "password leaked: {stdout}");
    assert!(!stdout.contains("9f86d081"), "key hash leaked: {stdout}");
    let reparsed: Result<toml::Value, _> = toml::from_str(&stdout);
    assert!(reparsed.is_ok(), "output is TOML: {stdout}");
}

#[test]
fn flags_override_the_environment_which_overrides_the_file() {
    let (_dir, path) = write_config("listen = \"127.0.0.1:1111\"\n");
    let (_, stdout, _) = run(squall().args(["check-config", "--config"]).arg(&path));
    assert!(stdout.contains("127.0.0.1:1111"), "{stdout}");
    let (_, stdout, _) =
        run(squall().args(["check-config", "--config"]).arg(&path).env("SQUALL_LISTEN", "127.0.0.1:2222"));
    assert!(stdout.contains("127.0.0.1:2222"), "{stdout}");
    let (_, stdout, _) = run(squall()
        .args(["check-config", "--listen", "127.0.0.1:3333", "--config"])
        .arg(&path)
        .env("SQUALL_LISTEN", "127.0.0.1:2222"));
    assert!(stdout.contains("127.0.0.1:3333"), "{stdout}");
    let (_, stdout, _) = run(squall().arg("check-config").env("SQUALL_CONFIG", &path));
    assert!(stdout.contains("127.0.0.1:1111"), "SQUALL_CONFIG names the file: {stdout}");
}

#[test]
fn bad_configuration_is_an_error_naming_the_key_and_where_it_came_from() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        ("listen = 8080\n", &[], &["listen", "squall.toml"]),
        ("lissten = \"127.0.0.1:1\"\n", &[], &["lissten", "squall.toml"]),
        ("[limits]\nbody_bytes = \"big\"\n", &[], &["body_bytes", "squall.toml"]),
        ("[limits]\nbody_bytes = 0\n", &[], &["limits.body_bytes", "greater than 0", "squall.toml"]),
        ("database_url = \"mysql://x/y\"\n", &[], &["database_url", "unknown scheme"]),
        ("listen = \"not an address\"\n", &[], &["listen"]),
        ("[operations]\nworkers = 4\n", &[], &["operations", "not supported yet"]),
        ("[upstreams.weather]\nbase_url = \"http://x\"\n", &[], &["upstreams", "not supported yet"]),
        ("", &[("SQUALL_BOGUS", "1")], &["bogus", "SQUALL_BOGUS"]),
        ("", &[("SQUALL_LIMITS__BODY_BYTES", "lots")], &["SQUALL_LIMITS__BODY_BYTES"]),
        ("[[auth.keys]]\nsha256 = \"nothex\"\nrole = \"read\"\n", &[], &["auth.keys[0].sha256", "64 hex"]),
        (
            "[[auth.keys]]\nsha256 = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"\nrole = \"root\"\n",
            &[],
            &["role"],
        ),
        ("[cors]\nallowed_origins = [\"example.com\"]\n", &[], &["cors.allowed_origins[0]"]),
    ];
    for (toml_text, env, needles) in cases {
        let (_dir, path) = write_config(toml_text);
        let mut command = squall();
        command.args(["check-config", "--config"]).arg(&path);
        for (k, v) in *env {
            command.env(k, v);
        }
        let (code, stdout, stderr) = run(&mut command);
        assert_eq!(code, 1, "case {toml_text:?} {env:?} must fail; stdout: {stdout}");
        for needle in *needles {
            assert!(stderr.contains(needle), "case {toml_text:?} {env:?}: {needle:?} not in: {stderr}");
        }
    }
    let (code, _, stderr) = run(squall().args(["check-config", "--config", "/no/such/squall.toml"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("/no/such/squall.toml"), "{stderr}");
}

#[test]
fn serve_refuses_bad_configuration_and_exposed_addresses_without_keys_before_listening() {
    let (code, _, stderr) = run(squall()
        .args(["--listen", "0.0.0.0:0"])
        .env("SQUALL_DATABASE_URL", "sqlite:///nonexistent-dir-for-test/x.db"));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--allow-unauthenticated"), "{stderr}");
    let (code, _, stderr) = run(squall().args(["serve", "--listen", "nonsense"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("--listen"), "the flag is named: {stderr}");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let dir = tempfile::tempdir().expect("dir");
    let (code, _, stderr) = run(squall().args(["--listen", &addr]).current_dir(dir.path()));
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot listen on") && stderr.contains(&addr), "{stderr}");
}

#[test]
fn help_lists_every_flag_with_its_environment_variable() {
    for args in [&["--help"][..], &["serve", "--help"], &["check-config", "--help"]] {
        let (code, stdout, _) = run(squall().args(args));
        assert_eq!(code, 0);
        for var in [
            "SQUALL_CONFIG",
            "SQUALL_LISTEN",
            "SQUALL_DATABASE_URL",
            "SQUALL_ALLOW_UNAUTHENTICATED",
            "SQUALL_LOG_LEVEL",
        ] {
            assert!(stdout.contains(var), "{args:?} --help lacks {var}:\n{stdout}");
        }
    }
    let (code, stdout, _) = run(squall().args(["keygen", "--help"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("--role") && stdout.contains("--name"), "{stdout}");
}

#[test]
fn keygen_prints_a_key_once_and_an_entry_that_authenticates_it() {
    let (code, stdout, _) = run(squall().args(["keygen", "--role", "admin", "--name", "ops"]));
    assert_eq!(code, 0);
    let key = stdout.lines().find(|l| l.starts_with("sq_")).expect("a key line").to_owned();
    let entry: String = stdout.lines().skip_while(|l| !l.starts_with("[[auth.keys]]")).collect::<Vec<_>>().join("\n");
    let (_dir, path) = write_config(&entry);
    let (code, checked, stderr) = run(squall().args(["check-config", "--config"]).arg(&path));
    assert_eq!(code, 0, "the printed entry is valid configuration: {stderr}");
    assert!(!checked.contains(&key), "{checked}");
    let (code, _, _) = run(squall().args(["keygen", "--role", "root"]));
    assert_ne!(code, 0);
}

#[test]
fn the_example_configuration_parses() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/squall.example.toml");
    let (code, stdout, stderr) = run(squall().args(["check-config", "--config", example]));
    assert_eq!(code, 0, "squall.example.toml must be valid: {stderr}");
    assert!(stdout.contains("[limits]"), "{stdout}");
}

#[test]
fn openapi_prints_the_same_document_the_server_serves() {
    let (code, stdout, _) = run(squall().arg("openapi"));
    assert_eq!(code, 0);
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let served = serde_json::to_value(squall::http::openapi::document()).expect("document");
    assert_eq!(printed, served);
    assert!(printed["openapi"].as_str().unwrap_or_default().starts_with("3.1"), "{}", printed["openapi"]);
}

#[test]
fn the_binary_logs_json_lines_serves_and_exits_0_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("dir");
    let mut child = squall()
        .args(["--listen", "127.0.0.1:0", "--log-level", "info"])
        .env("SQUALL_LOG_FORMAT", "json")
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn squall");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut addr = None;
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("line");
        let parsed: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        seen.push(parsed.clone());
        if parsed["message"] == "squall is listening" || parsed["fields"]["message"] == "squall is listening" {
            addr = parsed["addr"].as_str().or(parsed["fields"]["addr"].as_str()).map(str::to_owned);
            break;
        }
    }
    let addr = addr.unwrap_or_else(|| panic!("no listening line in {seen:?}"));
    let response = std::process::Command::new("curl").args(["-s", &format!("http://{addr}/healthz")]).output();
    if let Ok(output) = response {
        assert_eq!(String::from_utf8_lossy(&output.stdout), r#"{"status":"ok"}"#);
    }
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let rest: Vec<serde_json::Value> = lines
        .map_while(Result::ok)
        .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "SIGTERM is a clean exit; logs: {rest:?}");
    let text = serde_json::to_string(&rest).unwrap_or_default();
    assert!(text.contains("/healthz") && text.contains("request completed"), "a request line with its route: {text}");
    assert!(text.contains("SIGTERM"), "{text}");
}

//! schemathesis (PyPI) fuzzes auth-svc, agent-svc and project-svc from their own OpenAPI
//! documents with a fixed budget: no operation may answer 5xx, and the run must get past the
//! authentication wall on nearly every operation (a fuzz run that only collects 401s proves
//! nothing). Each service gets its own freshly registered user, so fuzzing one service cannot
//! end the session another service is fuzzed with.
//!
//! `make test` installs schemathesis into `~/.cache/djinnbot-py` and points `DJB_SCHEMATHESIS`
//! at it; `FUZZ_EXAMPLES` (default 10) sets the cases per operation.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use e2e::{Options, Stack};
use serde_json::{Value, json};

/// Operations left out of the run, and why: deleting the tenant ends the fuzzing user's session
/// for every later case (it is covered by its own tests).
const EXCLUDED: &[(&str, &str)] = &[("DELETE", "/v1/tenants/me")];

#[tokio::test]
async fn fuzzing_finds_no_server_error_and_passes_the_auth_wall() {
    let st = schemathesis();
    let stack = Stack::start(Options::default()).await;
    let examples = std::env::var("FUZZ_EXAMPLES").unwrap_or_else(|_| "10".to_owned());
    let out = std::env::temp_dir().join(format!("djb-fuzz-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&out).expect("report dir");
    // Registered up front: HAProxy closes idle keep-alive connections while a service is fuzzed.
    // auth-svc is fuzzed as the platform administrator (setup), so its admin routes are
    // reached too; the others as the owner of a freshly registered tenant.
    let users = [
        ("auth-svc", sign_up(&stack, "setup", "auth-svc").await),
        ("agent-svc", sign_up(&stack, "register", "agent-svc").await),
        (
            "project-svc",
            sign_up(&stack, "register", "project-svc").await,
        ),
    ];
    let mut failures = Vec::new();
    for (service, token) in users {
        let base = stack.service_url(service);
        let har = out.join(format!("{service}.har"));
        let doc: Value = stack
            .http
            .get(format!("{base}/openapi.json"))
            .send()
            .await
            .expect("document")
            .json()
            .await
            .expect("json");

        let mut cmd = Command::new(&st);
        // schemathesis keeps a crash cache in its working directory: not in the clone.
        cmd.current_dir(&out)
            .args(["run", &format!("{base}/openapi.json"), "--url", base])
            .args(["--checks", "not_a_server_error", "--phases", "fuzzing"])
            .args(["--max-examples", &examples, "--seed", "1", "--no-shrink"])
            .args(["--suppress-health-check", "all", "--request-timeout", "10"])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--report", "har", "--report-har-path"])
            .arg(&har)
            .args(["--no-color", "--output-truncate", "true"])
            // No example database in the working tree; the seed makes a run repeatable.
            .args(["--generation-database", "none"]);
        for (method, path) in EXCLUDED {
            if let Some(id) = doc["paths"][path][method.to_lowercase()]["operationId"].as_str() {
                cmd.args(["--exclude-operation-id", id]);
            }
        }
        let run = cmd
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", st.display()));
        let seen = responses_by_operation(&doc, &har);
        let server_errors: Vec<_> = seen
            .iter()
            .filter(|(_, statuses)| statuses.iter().any(|s| *s >= 500))
            .map(|(op, statuses)| format!("{op}: {statuses:?}"))
            .collect();
        let past_wall = seen
            .values()
            .filter(|statuses| statuses.iter().any(|s| *s != 401 && *s != 403))
            .count();
        let operations = seen.len();
        println!(
            "{service}: {operations} operations fuzzed, {past_wall} answered past the auth wall, \
             {} responses",
            seen.values().map(Vec::len).sum::<usize>()
        );
        if !run.status.success() || !server_errors.is_empty() {
            failures.push(format!(
                "{service}: schemathesis {}; 5xx on {server_errors:?}\n{}",
                run.status,
                tail(&run.stdout)
            ));
        }
        if operations * 9 > past_wall * 10 {
            failures.push(format!(
                "{service}: only {past_wall} of {operations} operations got past the auth wall \
             (90% must)"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A fresh tenant and user, through HAProxy's `/v1/auth/{how}` (`setup` or `register`), for
/// one service's run.
async fn sign_up(stack: &Stack, how: &str, service: &str) -> String {
    let email = format!("fuzz-{service}-{}@fuzz.test", uuid::Uuid::new_v4().simple());
    let res = stack
        .http
        .post(format!("{}/v1/auth/{how}", stack.base))
        .json(&json!({"email": email, "password": "fuzzing password 123"}))
        .send()
        .await
        .expect("register");
    assert!(res.status().is_success(), "{how}: {}", res.status());
    let body: Value = res.json().await.expect("json");
    body["accessToken"]
        .as_str()
        .expect("accessToken")
        .to_owned()
}

/// Every status each operation of `doc` answered in the HAR file, keyed `METHOD template`.
fn responses_by_operation(doc: &Value, har: &PathBuf) -> BTreeMap<String, Vec<u16>> {
    let text = std::fs::read_to_string(har).unwrap_or_else(|e| panic!("{}: {e}", har.display()));
    let har: Value = serde_json::from_str(&text).expect("har json");
    let templates: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
    let mut seen = BTreeMap::new();
    for entry in har["log"]["entries"].as_array().into_iter().flatten() {
        let method = entry["request"]["method"].as_str().unwrap_or_default();
        let url = entry["request"]["url"].as_str().unwrap_or_default();
        let path = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
        let Some(template) = templates.iter().find(|t| matches(t, path)) else {
            continue;
        };
        let status = entry["response"]["status"].as_u64().unwrap_or(0);
        seen.entry(format!("{method} {template}"))
            .or_insert_with(Vec::new)
            .push(u16::try_from(status).unwrap_or(0));
    }
    seen
}

/// Whether a concrete path fits a template (`{x}` takes one non-empty segment).
fn matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            if t.starts_with('{') {
                !p.is_empty()
            } else {
                t == p
            }
        })
}

fn tail(out: &[u8]) -> String {
    let text = String::from_utf8_lossy(out);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn schemathesis() -> PathBuf {
    if let Ok(path) = std::env::var("DJB_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cached = PathBuf::from(home).join(".cache/djinnbot-py/bin/st");
    assert!(
        cached.exists(),
        "schemathesis is not installed: run `make test` (it installs it into \
         ~/.cache/djinnbot-py) or set DJB_SCHEMATHESIS"
    );
    cached
}

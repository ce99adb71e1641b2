//! Guards the wire contract (ARCHITECTURE §9): the committed JSON-schema snapshot may only grow.
//!
//! Any difference fails the test. Additive differences pass once re-blessed with
//! `UPDATE_SNAPSHOT=1 cargo nextest run -p shared-schemas`, which rewrites the file; breaking
//! ones fail even then, because removing or changing a field needs a deprecation cycle.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use serde_json::Value;
use shared_schemas::events::Event;
use shared_schemas::schema::compat::{Change, compare};
use shared_schemas::schema_snapshot;

const BLESS: &str = "UPDATE_SNAPSHOT=1 cargo nextest run -p shared-schemas";

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/snapshot.json")
}

fn render(snapshot: &Value) -> String {
    serde_json::to_string_pretty(snapshot).expect("a JSON value always renders") + "\n"
}

fn listed(changes: &[Change]) -> String {
    changes.iter().map(|c| format!("  - {c}\n")).collect()
}

#[test]
fn committed_snapshot_matches_and_changes_stay_additive() {
    let path = snapshot_path();
    let current = schema_snapshot();
    let rendered = render(&current);
    let bless = std::env::var("UPDATE_SNAPSHOT").is_ok_and(|v| v == "1");

    let committed_text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if bless => {
            eprintln!("no snapshot yet ({error}); writing {}", path.display());
            fs::write(&path, rendered).expect("snapshot file is writable");
            return;
        }
        Err(error) => panic!(
            "cannot read {}: {error}; create it with `{BLESS}`",
            path.display()
        ),
    };
    if committed_text == rendered {
        return;
    }
    let committed: Value =
        serde_json::from_str(&committed_text).expect("committed snapshot is JSON");

    let report = compare(&committed, &current);
    assert!(
        !report.is_breaking(),
        "non-additive schema changes (not allowed, even with UPDATE_SNAPSHOT=1; deprecate instead, \
         see ARCHITECTURE §9):\n{}",
        listed(&report.breaking)
    );
    if bless {
        fs::write(&path, rendered).expect("snapshot file is writable");
        eprintln!("snapshot re-blessed:\n{}", listed(&report.additive));
        return;
    }
    panic!(
        "the schema changed additively:\n{}(and/or in descriptions or formatting)\n\
         review the changes, then re-bless with `{BLESS}` and commit schema/snapshot.json",
        listed(&report.additive)
    );
}

#[test]
fn snapshot_lists_every_event_type() {
    let snapshot = schema_snapshot();
    let variants = snapshot["Event"]["oneOf"]
        .as_array()
        .expect("Event is a oneOf");
    let tags: BTreeSet<&str> = variants
        .iter()
        .map(|v| {
            v["allOf"][1]["properties"]["type"]["enum"][0]
                .as_str()
                .expect("tagged variant")
        })
        .collect();
    let known: BTreeSet<&str> = Event::TYPE_NAMES.iter().copied().collect();
    assert_eq!(tags, known);
    assert_eq!(
        known.len(),
        Event::TYPE_NAMES.len(),
        "type names are unique"
    );
}

#[test]
fn snapshot_has_every_exported_type() {
    let snapshot = schema_snapshot();
    for name in [
        "EventEnvelope",
        "RawEnvelope",
        "TenantId",
        "StepId",
        "PipelineConfig",
        "StepConfig",
        "ResultAction",
        "PipelineError",
        "TenantStatusChanged",
        "RuntimeCommand",
        "RuntimeMessage",
    ] {
        assert!(
            snapshot.get(name).is_some(),
            "{name} is missing from the snapshot"
        );
    }
}

//! Events on the wire: every type round-trips through its contract shape, and consumers can
//! skip what they do not know.

mod samples;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use shared_schemas::events::platform::{TenantDeleted, TenantStatus, TenantStatusChanged};
use shared_schemas::events::project::{DependencyAdded, DependencyKind};
use shared_schemas::events::run::{AgentActivity, AgentState, StepComplete};
use shared_schemas::events::{Decoded, Event, EventEnvelope, EventError, decode};
use shared_schemas::ids::{ProjectId, RunId, StepId, TaskId, TenantId};

fn tenant() -> TenantId {
    TenantId::parse(samples::TENANT).expect("valid tenant id")
}

fn run_id() -> RunId {
    RunId::parse(samples::RUN).expect("valid run id")
}

#[test]
fn every_event_type_round_trips_through_its_contract_shape() {
    let mut covered = BTreeSet::new();
    for wire in samples::all() {
        let text = wire.to_string();
        let envelope = EventEnvelope::from_json(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", wire["type"]));
        assert_eq!(envelope.type_name(), wire["type"]);
        let back = serde_json::to_value(&envelope).expect("serializes");
        assert_eq!(back, wire, "{} changes shape on the way back", wire["type"]);
        covered.insert(envelope.type_name());
    }
    let known: BTreeSet<&str> = Event::TYPE_NAMES.iter().copied().collect();
    assert_eq!(covered, known, "every known type has a sample");
}

#[test]
fn run_stream_event_is_one_flat_object() {
    let mut outputs = BTreeMap::new();
    outputs.insert("summary".to_owned(), json!("added the form"));
    let event = Event::StepComplete(StepComplete {
        step_id: StepId::parse("IMPLEMENT").expect("valid step id"),
        outputs,
        commit_hash: None,
    });
    let envelope = EventEnvelope::new(tenant(), Some(run_id()), event);
    let wire = serde_json::to_value(&envelope).expect("serializes");
    let keys: Vec<&str> = wire
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort_unstable();
    assert_eq!(
        sorted_keys,
        [
            "id",
            "outputs",
            "runId",
            "stepId",
            "tenantId",
            "timestamp",
            "type"
        ],
        "absent options are left out"
    );
    assert_eq!(wire["type"], "STEP_COMPLETE");
    assert_eq!(wire["outputs"]["summary"], "added the form");
    assert!(wire["id"].as_str().is_some_and(|id| id.starts_with("evt_")));
    assert!(
        wire["timestamp"]
            .as_i64()
            .is_some_and(|ms| ms > 1_700_000_000_000)
    );
}

#[test]
fn enums_use_the_contract_spelling() {
    let state = Event::AgentState(AgentState {
        step_id: StepId::parse("REVIEW").expect("valid step id"),
        state: AgentActivity::ToolCalling,
        tool_name: Some("grep".into()),
    });
    let wire = serde_json::to_value(EventEnvelope::new(tenant(), Some(run_id()), state))
        .expect("serializes");
    assert_eq!(
        (wire["type"].clone(), wire["state"].clone()),
        (json!("AGENT_STATE"), json!("tool_calling"))
    );

    let added = Event::DependencyAdded(DependencyAdded {
        project_id: ProjectId::parse("prj_a").expect("valid"),
        from_task_id: TaskId::parse("tsk_a").expect("valid"),
        to_task_id: TaskId::parse("tsk_b").expect("valid"),
        kind: DependencyKind::Blocks,
    });
    let wire = serde_json::to_value(EventEnvelope::new(tenant(), None, added)).expect("serializes");
    assert_eq!(wire["kind"], "blocks");
    assert!(wire.get("runId").is_none());
}

#[test]
fn tenant_events_carry_the_tenant_only_in_the_header() {
    let deleted = EventEnvelope::new(tenant(), None, Event::TenantDeleted(TenantDeleted {}));
    let wire = serde_json::to_value(&deleted).expect("serializes");
    assert_eq!(wire.as_object().map(|o| o.len()), Some(4), "{wire}");
    assert_eq!(wire["tenantId"], samples::TENANT);

    let status = Event::TenantStatusChanged(TenantStatusChanged {
        status: TenantStatus::Suspended,
    });
    let wire =
        serde_json::to_value(EventEnvelope::new(tenant(), None, status)).expect("serializes");
    assert_eq!(wire["status"], "suspended");
}

#[test]
fn unknown_event_type_is_skippable_with_its_header_readable() {
    let wire = samples::envelope("AGENT_TELEPORTED", true, json!({"to": "mars"})).to_string();
    let Ok(Decoded::Unknown(raw)) = decode(&wire) else {
        panic!("an unknown type decodes as Unknown");
    };
    assert_eq!(raw.event_type, "AGENT_TELEPORTED");
    assert_eq!(raw.tenant_id, tenant());
    assert_eq!(raw.run_id, Some(run_id()));
    assert_eq!(raw.payload.get("to"), Some(&json!("mars")));
    assert_eq!(
        EventEnvelope::from_json(&wire),
        Err(EventError::UnknownType("AGENT_TELEPORTED".into()))
    );
}

#[test]
fn known_type_with_a_bad_payload_is_a_clear_error() {
    let wire =
        samples::envelope("STEP_FAILED", true, json!({"stepId": "TEST", "error": "x"})).to_string();
    let error = decode(&wire).expect_err("payload lacks retryCount");
    assert_eq!(
        error.to_string(),
        "event `STEP_FAILED` has a bad payload: missing field `retryCount`"
    );
    let serde_error = serde_json::from_str::<EventEnvelope>(&wire).expect_err("same through serde");
    assert!(
        serde_error
            .to_string()
            .contains("missing field `retryCount`"),
        "{serde_error}"
    );
}

#[test]
fn envelope_without_tenant_is_malformed() {
    let mut wire = samples::envelope("RUN_DELETED", true, json!({}));
    wire.as_object_mut().expect("object").remove("tenantId");
    let error = decode(&wire.to_string()).expect_err("tenantId is required");
    assert!(
        matches!(error, EventError::Malformed(ref m) if m.contains("tenantId")),
        "{error}"
    );
}

#[test]
fn envelope_with_a_foreign_tenant_id_is_malformed() {
    let mut wire = samples::envelope("RUN_DELETED", true, json!({}));
    wire["tenantId"] = json!("usr_0123");
    assert!(matches!(
        decode(&wire.to_string()),
        Err(EventError::Malformed(_))
    ));
}

#[test]
fn fields_from_newer_producers_are_ignored() {
    let wire = samples::envelope(
        "RUN_FAILED",
        true,
        json!({"error": "boom", "severity": "high"}),
    );
    let Ok(Decoded::Known(envelope)) = decode(&wire.to_string()) else {
        panic!("a known type with an extra field still decodes");
    };
    assert!(matches!(envelope.event, Event::RunFailed(ref failed) if failed.error == "boom"));
}

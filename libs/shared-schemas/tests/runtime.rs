//! The runtime protocol: every command and message round-trips, tags and field names are the
//! wire's (camelCase), and the defaults of CONTRACTS §5.2 apply to minimal commands.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use shared_schemas::ids::RunId;
use shared_schemas::pipeline::{OutputMethod, OutputSchema};
use shared_schemas::runtime::*;

fn round_trip<T>(value: &T) -> Value
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(value).expect("serializes");
    let back: T = serde_json::from_value(json.clone()).expect("deserializes");
    assert_eq!(&back, value);
    json
}

fn run() -> RunId {
    RunId::parse("run_0a1b2c3d4e5f6g7h").expect("run id")
}

#[test]
fn every_command_round_trips_with_its_tag() {
    let schema = OutputSchema {
        name: "verdict".into(),
        schema: BTreeMap::from([("type".to_owned(), json!("object"))]),
        strict: Some(true),
    };
    let cases = [
        (
            RuntimeCommand::AgentStep(AgentStep {
                request_id: "r1".into(),
                prompt: "do it".into(),
                tools: vec!["read".into()],
                max_steps: 5,
                attachments: Some(vec![Attachment {
                    id: "att_1".into(),
                    filename: "a.png".into(),
                    mime_type: "image/png".into(),
                    size_bytes: 10,
                    is_image: true,
                    estimated_tokens: Some(3),
                }]),
                model: Some("openai/gpt-4o".into()),
                system_prompt: Some("be brief".into()),
                timestamp: 1,
            }),
            "agentStep",
            "maxSteps",
        ),
        (
            RuntimeCommand::StructuredOutput(StructuredOutputRequest {
                request_id: "r2".into(),
                prompt: "judge".into(),
                system_prompt: "you judge".into(),
                output_schema: schema,
                output_method: Some(OutputMethod::ToolUse),
                temperature: Some(0.2),
                max_output_tokens: Some(100),
                model: None,
                timestamp: 2,
            }),
            "structuredOutput",
            "outputSchema",
        ),
        (
            RuntimeCommand::Tool(ToolCommand {
                request_id: "r3".into(),
                tool_name: "bash".into(),
                args: json!({"command": "ls"}),
                timestamp: 3,
            }),
            "tool",
            "toolName",
        ),
        (
            RuntimeCommand::Abort(Abort {
                request_id: "r1".into(),
                timestamp: 4,
            }),
            "abort",
            "requestId",
        ),
        (
            RuntimeCommand::Shutdown(Shutdown {
                graceful: false,
                timestamp: 5,
            }),
            "shutdown",
            "graceful",
        ),
        (
            RuntimeCommand::ChangeModel(ChangeModel {
                model: "anthropic/claude".into(),
                timestamp: 6,
            }),
            "changeModel",
            "model",
        ),
        (
            RuntimeCommand::GetContextUsage(GetContextUsage {
                request_id: "r4".into(),
                timestamp: 7,
            }),
            "getContextUsage",
            "requestId",
        ),
        (
            RuntimeCommand::CompactSession(CompactSession {
                request_id: "r5".into(),
                instructions: Some("keep decisions".into()),
                timestamp: 8,
            }),
            "compactSession",
            "instructions",
        ),
    ];
    for (command, tag, field) in cases {
        let json = round_trip(&command);
        assert_eq!(json["type"], tag);
        assert!(json.get(field).is_some(), "{tag} has {field}: {json}");
        assert!(json["timestamp"].as_u64().is_some_and(|t| t > 0));
    }
}

#[test]
fn minimal_commands_take_the_contract_defaults() {
    let step: RuntimeCommand =
        serde_json::from_value(json!({"type": "agentStep", "requestId": "r1", "prompt": "hi"}))
            .expect("minimal agentStep");
    let RuntimeCommand::AgentStep(step) = step else {
        panic!("agentStep");
    };
    assert_eq!(
        (step.tools.len(), step.max_steps, step.timestamp),
        (0, 999, 0)
    );
    let shutdown: RuntimeCommand =
        serde_json::from_value(json!({"type": "shutdown"})).expect("minimal shutdown");
    assert_eq!(
        shutdown,
        RuntimeCommand::Shutdown(Shutdown {
            graceful: true,
            timestamp: 0
        })
    );
    assert_eq!(shutdown.request_id(), None);
    let structured: RuntimeCommand = serde_json::from_value(json!({
        "type": "structuredOutput", "requestId": "r2", "prompt": "p", "systemPrompt": "s",
        "outputSchema": {"name": "n", "schema": {"type": "object"}},
        "outputMethod": "response_format"
    }))
    .expect("structuredOutput");
    assert_eq!(structured.request_id(), Some("r2"));
    assert!(serde_json::from_value::<RuntimeCommand>(json!({"type": "dance"})).is_err());
}

#[test]
fn every_message_round_trips_with_its_tag() {
    let output = RuntimeOutput {
        request_id: Some("r1".into()),
        data: "hello".into(),
        source: Some(OutputSource::Assistant),
        timestamp: 1,
    };
    let cases = [
        (
            RuntimeMessage::Ready(RuntimeReady {
                run_id: run(),
                timestamp: 1,
            }),
            "ready",
            "runId",
        ),
        (
            RuntimeMessage::Busy(RuntimeBusy {
                run_id: run(),
                request_id: "r1".into(),
                timestamp: 1,
            }),
            "busy",
            "requestId",
        ),
        (
            RuntimeMessage::Idle(RuntimeIdle {
                run_id: run(),
                request_id: Some("r1".into()),
                timestamp: 1,
            }),
            "idle",
            "requestId",
        ),
        (
            RuntimeMessage::Error(RuntimeError {
                run_id: run(),
                message: "nope".into(),
                code: Some("unsupported_command".into()),
                request_id: Some("r1".into()),
                timestamp: 1,
            }),
            "error",
            "code",
        ),
        (
            RuntimeMessage::Exiting(RuntimeExiting {
                run_id: run(),
                code: Some(0),
                timestamp: 1,
            }),
            "exiting",
            "code",
        ),
        (RuntimeMessage::Stdout(output.clone()), "stdout", "source"),
        (
            RuntimeMessage::Stderr(RuntimeOutput {
                source: Some(OutputSource::Tool),
                ..output
            }),
            "stderr",
            "data",
        ),
        (
            RuntimeMessage::StepStart(StepStart {
                request_id: "r1".into(),
                step_number: 1,
                timestamp: 1,
            }),
            "stepStart",
            "stepNumber",
        ),
        (
            RuntimeMessage::StepEnd(StepEnd {
                request_id: "r1".into(),
                step_number: 1,
                result: "done".into(),
                success: true,
                explicit_completion: Some(true),
                outputs: Some(BTreeMap::from([("verdict".into(), "PASS".into())])),
                structured: Some(json!({"ok": true})),
                error: None,
                usage: Some(TokenUsage {
                    input_tokens: 10,
                    output_tokens: 5,
                    cache_read_tokens: 0,
                    cache_write_tokens: 0,
                    calls: 1,
                }),
                timestamp: 1,
            }),
            "stepEnd",
            "explicitCompletion",
        ),
        (
            RuntimeMessage::ToolStart(ToolStart {
                request_id: "r1".into(),
                tool_call_id: "call_1".into(),
                tool_name: "write".into(),
                args: json!({"path": "a.txt"}),
                timestamp: 1,
            }),
            "toolStart",
            "toolCallId",
        ),
        (
            RuntimeMessage::ToolEnd(ToolEnd {
                request_id: "r1".into(),
                tool_call_id: "call_1".into(),
                tool_name: "write".into(),
                result: "wrote 3 bytes".into(),
                success: true,
                duration_ms: 2,
                timestamp: 1,
            }),
            "toolEnd",
            "durationMs",
        ),
        (
            RuntimeMessage::FileChange(FileChange {
                path: "a.txt".into(),
                change_type: FileChangeType::Create,
                timestamp: 1,
            }),
            "fileChange",
            "changeType",
        ),
        (
            RuntimeMessage::Thinking(Thinking {
                request_id: "r1".into(),
                thinking: "hmm".into(),
                timestamp: 1,
            }),
            "thinking",
            "thinking",
        ),
        (
            RuntimeMessage::ContextUsage(ContextUsage {
                request_id: Some("r4".into()),
                used_tokens: 100,
                context_window: 1000,
                percent: 10.0,
                model: Some("openai/gpt-4o".into()),
                timestamp: 1,
            }),
            "contextUsage",
            "contextWindow",
        ),
    ];
    for (message, tag, field) in cases {
        let json = round_trip(&message);
        assert_eq!(json["type"], tag);
        assert!(json.get(field).is_some(), "{tag} has {field}: {json}");
    }
}

#[test]
fn step_end_carries_outputs_as_a_structured_map() {
    let end: RuntimeMessage = serde_json::from_value(json!({
        "type": "stepEnd", "requestId": "r1", "stepNumber": 2, "result": "summary",
        "success": true, "outputs": {"plan": "a\nb", "verdict": "PASS"}, "timestamp": 9
    }))
    .expect("stepEnd");
    let RuntimeMessage::StepEnd(end) = &end else {
        panic!("stepEnd");
    };
    let outputs = end.outputs.as_ref().expect("outputs");
    assert_eq!(outputs["plan"], "a\nb");
    assert_eq!(
        serde_json::to_value(RuntimeMessage::StepEnd(end.clone())).expect("json")["outputs"]["verdict"],
        "PASS"
    );
    assert_eq!(
        RuntimeMessage::StepEnd(end.clone()).request_id(),
        Some("r1")
    );
}

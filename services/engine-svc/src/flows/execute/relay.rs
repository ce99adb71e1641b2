//! A running step's live output: what the runtime writes on its stream becomes the run's live
//! events (`STEP_OUTPUT`, `STEP_THINKING`, `TOOL_CALL_START/END`, `FILE_CHANGED`) on the tenant
//! and run streams only (no database change stands behind them), and its `stepEnd` becomes the
//! attempt's result.

use std::collections::BTreeMap;

use serde_json::Value;
use shared_schemas::events::Event;
use shared_schemas::events::run::{
    FileAction, FileChanged, StepOutput, StepThinking, ToolCallEnd, ToolCallStart,
};
use shared_schemas::ids::StepId;
use shared_schemas::runtime::{FileChangeType, OutputSource, RuntimeMessage, StepEnd};

use crate::domain::outputs::StepResult;

/// What one runtime message means for the step.
#[derive(Debug)]
pub enum Relayed {
    /// A live event to publish.
    Live(Event),
    /// The request ended with this result.
    End(StepResult),
    /// The runtime reported an error for the request (its `stepEnd` follows).
    Error(String),
    Nothing,
}

pub fn relay(step: &StepId, message: RuntimeMessage) -> Relayed {
    match message {
        RuntimeMessage::Stdout(out) => {
            // A tool's streamed output is shown by its TOOL_CALL_END; deltas are the agent's.
            if out.source == Some(OutputSource::Tool) || out.data.is_empty() {
                return Relayed::Nothing;
            }
            Relayed::Live(Event::StepOutput(StepOutput {
                step_id: step.clone(),
                chunk: out.data,
            }))
        }
        RuntimeMessage::Thinking(t) => Relayed::Live(Event::StepThinking(StepThinking {
            step_id: step.clone(),
            chunk: t.thinking,
        })),
        RuntimeMessage::ToolStart(t) => Relayed::Live(Event::ToolCallStart(ToolCallStart {
            step_id: step.clone(),
            tool_name: t.tool_name,
            tool_call_id: t.tool_call_id,
            args: Value::String(t.args.to_string()),
        })),
        RuntimeMessage::ToolEnd(t) => Relayed::Live(Event::ToolCallEnd(ToolCallEnd {
            step_id: step.clone(),
            tool_name: t.tool_name,
            tool_call_id: t.tool_call_id,
            result: t.result,
            is_error: !t.success,
            duration_ms: t.duration_ms,
        })),
        RuntimeMessage::FileChange(f) => Relayed::Live(Event::FileChanged(FileChanged {
            step_id: step.clone(),
            path: f.path,
            action: match f.change_type {
                FileChangeType::Create => FileAction::Create,
                FileChangeType::Modify => FileAction::Modify,
                FileChangeType::Delete => FileAction::Delete,
            },
            size: None,
        })),
        RuntimeMessage::StepEnd(end) => Relayed::End(result_of(end)),
        RuntimeMessage::Error(e) => Relayed::Error(e.message),
        _ => Relayed::Nothing,
    }
}

/// The attempt's result from the runtime's `stepEnd`: outputs travel as a structured field.
pub fn result_of(end: StepEnd) -> StepResult {
    StepResult {
        success: end.success,
        outputs: end.outputs.unwrap_or_default(),
        structured: end.structured,
        error: if end.success {
            None
        } else {
            Some(end.error.unwrap_or_else(|| end.result.clone()))
        },
        result: end.result,
        model_used: None,
    }
}

/// A failed result the engine decided on (timeout, lost runtime, start failure).
pub fn failure(error: impl Into<String>) -> StepResult {
    StepResult {
        success: false,
        outputs: BTreeMap::new(),
        structured: None,
        result: String::new(),
        error: Some(error.into()),
        model_used: None,
    }
}

//! The answer of a model whose queue is empty, read from what the request asks for, so a
//! benchmark or a `make up` demo runs pipelines to completion without scripting anything.

use serde_json::{Value, json};

use crate::reply::Reply;
use crate::state::{AutoConfig, Wire};

/// The tool an agent runtime ends a step with.
const COMPLETE_TOOL: &str = "complete";

/// In order: a tool the request forces (`tool_choice`) is called — `complete` with the
/// configured outputs, any other with the configured JSON (the structured-output fallback);
/// an offered `complete` tool is called; a `json_schema` output gets the configured JSON;
/// anything else gets the text "ok".
pub(crate) fn reply(wire: Wire, request: &Value, config: &AutoConfig) -> Reply {
    let complete = || {
        Reply::tool_call(
            COMPLETE_TOOL,
            json!({ "outputs": config.outputs, "summary": "done" }),
        )
    };
    if let Some(forced) = forced_tool(wire, request) {
        return if forced == COMPLETE_TOOL {
            complete()
        } else {
            let arguments = match &config.json {
                Value::Object(_) => config.json.clone(),
                other => json!({ "value": other }),
            };
            Reply::tool_call(forced, arguments)
        };
    }
    if tool_names(wire, request).any(|name| name == COMPLETE_TOOL) {
        return complete();
    }
    if wants_json_schema(request) {
        return Reply::json(config.json.clone());
    }
    Reply::text("ok")
}

/// The names of the tools the request offers.
fn tool_names(wire: Wire, request: &Value) -> impl Iterator<Item = &str> {
    let tools = request
        .get("tools")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    tools.iter().filter_map(move |tool| match wire {
        Wire::Openai => tool.get("function")?.get("name")?.as_str(),
        Wire::Anthropic => tool.get("name")?.as_str(),
    })
}

/// The tool `tool_choice` names, if it forces one the request also offers.
fn forced_tool(wire: Wire, request: &Value) -> Option<&str> {
    let choice = request.get("tool_choice")?;
    let name = match wire {
        // {"type":"function","function":{"name":..}}
        Wire::Openai => choice.get("function")?.get("name")?.as_str()?,
        // {"type":"tool","name":..}
        Wire::Anthropic if choice.get("type")?.as_str()? == "tool" => {
            choice.get("name")?.as_str()?
        }
        Wire::Anthropic => return None,
    };
    tool_names(wire, request)
        .any(|offered| offered == name)
        .then_some(name)
}

/// OpenAI's `response_format`, or Anthropic's structured-outputs `output_format`.
fn wants_json_schema(request: &Value) -> bool {
    ["response_format", "output_format"].iter().any(|field| {
        request
            .get(field)
            .and_then(|format| format.get("type"))
            .and_then(Value::as_str)
            == Some("json_schema")
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::reply;
    use crate::reply::{Reply, ReplyBody};
    use crate::state::{AutoConfig, Wire};

    fn config() -> AutoConfig {
        AutoConfig {
            outputs: json!({"plan": "x"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            json: json!({"ok": true}),
        }
    }

    #[test]
    fn offered_complete_tool_is_called_with_the_outputs() {
        let openai = json!({"tools": [{"type": "function", "function": {"name": "complete"}}]});
        let anthropic = json!({"tools": [{"name": "read"}, {"name": "complete"}]});
        let expected = Reply::tool_call(
            "complete",
            json!({"outputs": {"plan": "x"}, "summary": "done"}),
        );
        assert_eq!(reply(Wire::Openai, &openai, &config()), expected);
        assert_eq!(reply(Wire::Anthropic, &anthropic, &config()), expected);
    }

    #[test]
    fn json_schema_gets_the_configured_value_and_anything_else_ok() {
        let openai = json!({"response_format": {"type": "json_schema", "json_schema": {}}});
        assert_eq!(
            reply(Wire::Openai, &openai, &config()),
            Reply::json(json!({"ok": true}))
        );
        let plain = json!({"tools": [{"type": "function", "function": {"name": "read"}}]});
        assert_eq!(reply(Wire::Openai, &plain, &config()), Reply::text("ok"));
    }

    #[test]
    fn a_forced_tool_is_called_with_the_configured_json() {
        let anthropic = json!({"tools": [{"name": "answer"}], "tool_choice": {"type": "tool", "name": "answer"}});
        let got = reply(Wire::Anthropic, &anthropic, &config());
        let ReplyBody::ToolCalls { calls, .. } = got.body else {
            panic!("{got:?}")
        };
        assert_eq!(calls[0].name, "answer");
        assert_eq!(calls[0].arguments, json!({"ok": true}));
        // Forcing a tool the request does not offer forces nothing.
        let unknown = json!({"tool_choice": {"type": "function", "function": {"name": "ghost"}}});
        assert_eq!(reply(Wire::Openai, &unknown, &config()), Reply::text("ok"));
    }
}

//! What a finished step attempt produced (CONTRACTS §4.2 step 6): structured output mapped onto
//! the declared outputs and checked against the step's schema, else the `complete` tool's
//! outputs map, else `KEY: value` lines of the final text. An output `status` of `fail`,
//! `failed` or `error` turns a success into a failure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared_schemas::pipeline::StepConfig;

/// What the executor reports for one attempt.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StepResult {
    pub success: bool,
    /// The `complete{outputs}` tool's map (a structured field, never parsed from the summary).
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
    /// The JSON answer of a step with an `outputSchema`.
    #[serde(default)]
    pub structured: Option<Value>,
    /// The agent's final text (the `complete` summary or its last message).
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub model_used: Option<String>,
}

/// The attempt's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Completed(BTreeMap<String, String>),
    Failed(String),
}

/// Interprets `result` for `step`.
pub fn interpret(step: &StepConfig, result: &StepResult) -> Outcome {
    if !result.success {
        let error = result
            .error
            .clone()
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| "step failed without an error message".to_owned());
        return Outcome::Failed(error);
    }
    let mut outputs = match &step.output_schema {
        Some(schema) => {
            let answer = match &result.structured {
                Some(value) => value.clone(),
                // The tool-use fallback: the answer came back as the final text.
                None => match serde_json::from_str::<Value>(result.result.trim()) {
                    Ok(value) => value,
                    Err(_) => {
                        return Outcome::Failed(format!(
                            "structured output `{}` missing: the step answered no JSON",
                            schema.name
                        ));
                    }
                },
            };
            let schema_value = Value::Object(schema.schema.clone().into_iter().collect());
            if let Err(error) = validate(&schema_value, &answer) {
                return Outcome::Failed(format!(
                    "structured output does not match schema `{}`: {error}",
                    schema.name
                ));
            }
            structured_outputs(&step.outputs, &answer)
        }
        None if !result.outputs.is_empty() => result.outputs.clone(),
        None => parse_key_values(&result.result),
    };
    if let Some(model) = &result.model_used {
        outputs.insert("_model_used".to_owned(), model.clone());
    }
    let status = outputs.get("status").map(|s| s.trim().to_ascii_lowercase());
    if let Some(status) = status
        && matches!(status.as_str(), "fail" | "failed" | "error")
    {
        let why = outputs
            .get("error")
            .filter(|e| !e.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| format!("the step reported status `{status}`"));
        return Outcome::Failed(why);
    }
    Outcome::Completed(outputs)
}

/// Checks `answer` against `schema`; the error names the first failing place.
pub fn validate(schema: &Value, answer: &Value) -> Result<(), String> {
    let validator =
        jsonschema::validator_for(schema).map_err(|e| format!("the schema is invalid: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(answer)
        .take(3)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("{at}: {e}")
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Top-level fields of a structured answer for each declared output (strings as they are,
/// anything else JSON-encoded), plus `_structured_json` with the whole answer.
pub fn structured_outputs(declared: &[String], answer: &Value) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    if let Value::Object(map) = answer {
        for key in declared {
            if let Some(value) = map.get(key) {
                outputs.insert(key.clone(), as_text(value));
            }
        }
    }
    outputs.insert("_structured_json".to_owned(), answer.to_string());
    outputs
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `KEY: value` lines: a key is `[A-Z_][A-Z0-9_]+` or `[a-z_][a-z0-9_]+` at the start of a
/// line, lowercased; lines indented by two spaces continue the previous value.
pub fn parse_key_values(text: &str) -> BTreeMap<String, String> {
    let mut outputs: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some((key, value)) = key_line(line) {
            outputs.insert(key.clone(), value.trim().to_owned());
            current = Some(key);
        } else if let (Some(key), Some(more)) = (&current, line.strip_prefix("  ")) {
            if let Some(value) = outputs.get_mut(key) {
                if !value.is_empty() {
                    value.push('\n');
                }
                value.push_str(more.trim_end());
            }
        } else {
            current = None;
        }
    }
    outputs
}

fn key_line(line: &str) -> Option<(String, &str)> {
    let (key, value) = line.split_once(':')?;
    let bytes = key.as_bytes();
    if bytes.len() < 2 {
        return None;
    }
    let upper = bytes
        .iter()
        .enumerate()
        .all(|(i, b)| *b == b'_' || b.is_ascii_uppercase() || (i > 0 && b.is_ascii_digit()));
    let lower = bytes
        .iter()
        .enumerate()
        .all(|(i, b)| *b == b'_' || b.is_ascii_lowercase() || (i > 0 && b.is_ascii_digit()));
    (upper || lower).then(|| (key.to_ascii_lowercase(), value))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn step(yaml: &str) -> StepConfig {
        serde_norway::from_str(yaml).expect("step parses")
    }

    fn ok(outputs: &[(&str, &str)], result: &str) -> StepResult {
        StepResult {
            success: true,
            outputs: outputs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            result: result.to_owned(),
            ..StepResult::default()
        }
    }

    fn schema_step() -> StepConfig {
        step(
            "{id: C, agent: a, input: x, outputs: [severity, tags], outputSchema: {name: triage, \
             schema: {type: object, required: [severity], properties: {severity: {type: string, \
             enum: [HIGH, LOW]}, tags: {type: array}}}}}",
        )
    }

    #[test]
    fn complete_tool_outputs_are_taken_as_they_are() {
        let out = interpret(
            &step("{id: A, agent: a, input: x}"),
            &ok(&[("verdict", "APPROVED")], "VERDICT: ignored"),
        );
        assert_eq!(
            out,
            Outcome::Completed([("verdict".into(), "APPROVED".into())].into())
        );
    }

    #[test]
    fn key_value_lines_are_the_fallback_with_continuations() {
        let text =
            "Done.\nVERDICT: APPROVED\nreview_notes: first\n  second line\nNot: a key\nX: single";
        let parsed = parse_key_values(text);
        assert_eq!(parsed["verdict"], "APPROVED");
        assert_eq!(parsed["review_notes"], "first\nsecond line");
        assert!(!parsed.contains_key("not"), "mixed case is no key");
        assert!(!parsed.contains_key("x"), "one character is no key");
    }

    #[test]
    fn structured_answers_map_declared_fields_and_keep_the_whole_json() {
        let mut result = ok(&[], "");
        result.structured = Some(json!({"severity": "HIGH", "tags": ["a", 1], "extra": true}));
        result.model_used = Some("openai/gpt".into());
        let Outcome::Completed(out) = interpret(&schema_step(), &result) else {
            panic!("valid answer");
        };
        assert_eq!(out["severity"], "HIGH");
        assert_eq!(out["tags"], r#"["a",1]"#);
        assert!(
            !out.contains_key("extra"),
            "undeclared fields stay in the JSON only"
        );
        assert!(out["_structured_json"].contains("\"extra\":true"));
        assert_eq!(out["_model_used"], "openai/gpt");
    }

    #[test]
    fn a_structured_answer_off_schema_fails_naming_the_error() {
        let mut result = ok(&[], "");
        result.structured = Some(json!({"severity": "MEDIUM"}));
        let Outcome::Failed(error) = interpret(&schema_step(), &result) else {
            panic!("invalid answer must fail");
        };
        assert!(
            error.contains("triage") && error.contains("/severity"),
            "{error}"
        );
    }

    #[test]
    fn structured_text_is_the_tool_use_fallback_and_no_json_fails() {
        let result = ok(&[], r#" {"severity": "LOW"} "#);
        assert!(
            matches!(interpret(&schema_step(), &result), Outcome::Completed(o) if o["severity"] == "LOW")
        );
        let Outcome::Failed(error) = interpret(&schema_step(), &ok(&[], "no json here")) else {
            panic!("must fail");
        };
        assert!(error.contains("missing"), "{error}");
    }

    #[test]
    fn a_failure_status_output_fails_the_step() {
        let s = step("{id: A, agent: a, input: x}");
        for status in ["fail", "FAILED", " error "] {
            let out = interpret(&s, &ok(&[("status", status)], ""));
            assert!(matches!(out, Outcome::Failed(_)), "{status}");
        }
        let out = interpret(&s, &ok(&[("status", "failed"), ("error", "tests red")], ""));
        assert_eq!(out, Outcome::Failed("tests red".into()));
        assert!(matches!(
            interpret(&s, &ok(&[("status", "done")], "")),
            Outcome::Completed(_)
        ));
    }

    #[test]
    fn a_runner_failure_keeps_its_error() {
        let mut r = ok(&[], "");
        r.success = false;
        r.error = Some("Container execution timed out".into());
        let out = interpret(&step("{id: A, agent: a, input: x}"), &r);
        assert_eq!(out, Outcome::Failed("Container execution timed out".into()));
        r.error = None;
        assert!(
            matches!(interpret(&step("{id: A, agent: a, input: x}"), &r), Outcome::Failed(e) if e.contains("without"))
        );
    }
}

//! Parsing the pipeline fixtures and pinning every kind of error to its line.

use serde_json::json;
use shared_schemas::pipeline::{PipelineError, StepType, parse_pipeline};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).expect("fixture is readable")
}

fn errors(yaml: &str) -> Vec<PipelineError> {
    parse_pipeline(yaml).expect_err("pipeline should be refused")
}

fn only_error(yaml: &str) -> PipelineError {
    let mut all = errors(yaml);
    assert_eq!(all.len(), 1, "expected one error, got {all:#?}");
    all.remove(0)
}

/// A valid two-step pipeline; tests append or substitute lines to break it.
const HEADER: &str = "\
id: demo
name: Demo
version: 1.0.0
agents:
  - id: eric
    name: Eric
    persona: p/eric.md
  - id: finn
    name: Finn
    persona: p/finn.md
steps:
";

#[test]
fn fixtures_parse() {
    for name in ["feature-delivery.yml", "bug-triage.yml", "docs-refresh.yml"] {
        if let Err(errors) = parse_pipeline(&fixture(name)) {
            panic!("{name}: {errors:#?}");
        }
    }
}

#[test]
fn defaults_timeout_is_folded_into_timeout_seconds() {
    let config = parse_pipeline(&fixture("feature-delivery.yml")).expect("fixture parses");
    assert_eq!(config.defaults.timeout_seconds, Some(3600));
    let json = serde_json::to_value(&config.defaults).expect("serializes");
    assert_eq!(json["timeoutSeconds"], 3600);
    assert!(json.get("timeout").is_none());
}

#[test]
fn timeout_seconds_wins_over_the_old_spelling() {
    let yaml = format!(
        "defaults:\n  timeout: 10\n  timeoutSeconds: 20\n{HEADER}  - {{id: A, agent: eric, input: go}}\n"
    );
    let config = parse_pipeline(&yaml).expect("parses");
    assert_eq!(config.defaults.timeout_seconds, Some(20));
}

#[test]
fn fixture_model_keeps_every_field() {
    let config = parse_pipeline(&fixture("feature-delivery.yml")).expect("fixture parses");
    assert_eq!(config.id.as_str(), "feature-delivery");
    assert_eq!(config.agents.len(), 5);
    assert_eq!(config.agent("planner").map(|a| a.tools.len()), Some(2));
    let build = config.step("BUILD").expect("BUILD step");
    assert_eq!(build.step_type, Some(StepType::Loop));
    let looped = build.loop_config.as_ref().expect("loop section");
    assert_eq!(looped.over, "tasks_json");
    let review = config.step("REVIEW").expect("REVIEW step");
    let changes = &review.on_result.as_ref().expect("onResult")["CHANGES_REQUESTED"];
    assert_eq!(changes.goto.as_ref().map(|s| s.as_str()), Some("BUILD"));
    assert_eq!(
        changes.notify.as_ref().map(|n| n.agent.as_str()),
        Some("builder")
    );
}

#[test]
fn serializes_to_camel_case_json() {
    let config = parse_pipeline(&fixture("bug-triage.yml")).expect("fixture parses");
    let json = serde_json::to_value(&config).expect("serializes");
    let classify = &json["steps"][0];
    assert_eq!(classify["outputMethod"], "tool_use");
    assert_eq!(classify["outputSchema"]["name"], "bug_classification");
    assert_eq!(
        classify["outputSchema"]["schema"]["properties"]["severity"]["enum"],
        json!(["CRITICAL", "MAJOR", "MINOR"])
    );
    assert_eq!(
        classify["onResult"]["CRITICAL"]["notify"]["agent"],
        "oncall"
    );
    assert_eq!(classify["onComplete"], "CLOSE");
    assert_eq!(json["defaults"]["maxOutputTokens"], 8000);
    assert_eq!(json["steps"][1]["maxRetries"], 1);
    assert!(
        classify.get("loop").is_none(),
        "absent options are not written"
    );
}

#[test]
fn json_form_reads_back_to_the_same_model() {
    let config = parse_pipeline(&fixture("feature-delivery.yml")).expect("fixture parses");
    let json = serde_json::to_string(&config).expect("serializes");
    let back = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(config, back);
}

#[test]
fn unknown_step_in_on_complete_names_its_line() {
    let yaml =
        format!("{HEADER}  - id: A\n    agent: eric\n    input: go\n    onComplete: REVIEW\n");
    let error = only_error(&yaml);
    assert_eq!(error.line, 15);
    assert_eq!(error.column, Some(17));
    assert_eq!(error.path, "steps[0].onComplete");
    assert_eq!(
        error.to_string(),
        "line 15: steps[0].onComplete: unknown step \"REVIEW\""
    );
}

#[test]
fn unknown_agent_of_a_step_names_its_line() {
    let yaml = format!("{HEADER}  - id: A\n    agent: erik\n    input: go\n");
    let error = only_error(&yaml);
    assert_eq!((error.line, error.path.as_str()), (13, "steps[0].agent"));
    assert_eq!(error.message, "unknown agent \"erik\"");
}

#[test]
fn unknown_goto_target_names_its_line() {
    let yaml = format!(
        "{HEADER}  - id: A\n    agent: eric\n    input: go\n    onResult:\n      PASS:\n        goto: B\n"
    );
    let error = only_error(&yaml);
    assert_eq!((error.line, error.column), (17, Some(15)));
    assert_eq!(error.path, "steps[0].onResult.PASS.goto");
}

#[test]
fn unknown_notify_agent_names_its_line() {
    let yaml = format!(
        "{HEADER}  - id: A\n    agent: eric\n    input: go\n    onResult:\n      FAIL:\n        notify: {{agent: ghost, message: hi}}\n"
    );
    let error = only_error(&yaml);
    assert_eq!(error.line, 17);
    assert_eq!(error.path, "steps[0].onResult.FAIL.notify.agent");
    assert_eq!(error.message, "unknown agent \"ghost\"");
}

#[test]
fn unknown_loop_targets_name_their_lines() {
    let yaml = format!(
        "{HEADER}  - id: A\n    agent: eric\n    type: loop\n    input: go\n    loop:\n      over: items\n      onEachComplete: CHECK\n      onAllComplete: DONE\n"
    );
    let all = errors(&yaml);
    let found: Vec<_> = all.iter().map(|e| (e.line, e.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (18, "steps[0].loop.onEachComplete"),
            (19, "steps[0].loop.onAllComplete")
        ]
    );
}

#[test]
fn duplicate_agent_id_points_at_the_second_definition() {
    let yaml = HEADER.replace("id: finn", "id: eric") + "  - {id: A, agent: eric, input: go}\n";
    let error = only_error(&yaml);
    assert_eq!((error.line, error.column), (8, Some(9)));
    assert_eq!(error.path, "agents[1].id");
    assert_eq!(error.message, "duplicate agent id \"eric\"");
}

#[test]
fn duplicate_step_id_points_at_the_second_definition() {
    let yaml = format!(
        "{HEADER}  - {{id: A, agent: eric, input: go}}\n  - {{id: A, agent: finn, input: again}}\n"
    );
    let error = only_error(&yaml);
    assert_eq!((error.line, error.column), (13, Some(10)));
    assert_eq!(error.path, "steps[1].id");
}

#[test]
fn loop_step_without_loop_section_names_its_type_line() {
    let yaml = format!("{HEADER}  - id: A\n    agent: eric\n    input: go\n    type: loop\n");
    let error = only_error(&yaml);
    assert_eq!((error.line, error.path.as_str()), (15, "steps[0].type"));
}

#[test]
fn empty_steps_name_the_steps_line() {
    let yaml = HEADER.replace("steps:\n", "steps: []\n");
    let error = only_error(&yaml);
    assert_eq!((error.line, error.path.as_str()), (11, "steps"));
}

#[test]
fn several_cross_reference_errors_come_back_in_line_order() {
    let yaml = format!(
        "{HEADER}  - id: A\n    agent: nobody\n    input: go\n    onComplete: NOWHERE\n  - {{id: A, agent: eric, input: x}}\n"
    );
    let lines: Vec<usize> = errors(&yaml).iter().map(|e| e.line).collect();
    assert_eq!(lines, [13, 15, 16]);
}

#[test]
fn yaml_syntax_error_carries_line_and_column() {
    let yaml = format!("{HEADER}  - id: A\n    agent: [eric\n    input: go\n");
    let error = only_error(&yaml);
    assert_eq!(error.line, 14);
    assert!(error.column.is_some());
    assert_eq!(error.path, "");
    assert!(
        !error.message.contains("at line 14"),
        "location is not repeated in the message: {}",
        error.message
    );
}

#[test]
fn tab_indentation_is_a_syntax_error_at_its_line() {
    let error = only_error(&format!("{HEADER}\t- id: A\n"));
    // The pre-parse check (yaml::check) reports it, pointing just after the tab.
    assert_eq!(error.line, 12, "{error:?}");
    assert!(error.column.is_some_and(|c| c <= 2), "{error:?}");
}

#[test]
fn value_reached_through_an_alias_is_pinned_to_its_anchor() {
    let yaml = format!(
        "shared: &next\n  target: X\n{HEADER}  - id: A\n    agent: eric\n    input: go\n    onComplete: *next\n"
    );
    let error = only_error(&yaml);
    assert_eq!(
        (error.line, error.path.as_str()),
        (1, "steps[0].onComplete")
    );
    assert_eq!(error.message, "invalid type: map, expected a string");
}

#[test]
fn wrong_type_names_the_value_line_and_path() {
    let yaml =
        format!("{HEADER}  - id: A\n    agent: eric\n    input: go\n    maxRetries: three\n");
    let error = only_error(&yaml);
    assert_eq!((error.line, error.column), (15, Some(17)));
    assert_eq!(error.path, "steps[0].maxRetries");
    assert!(
        error.message.starts_with("invalid type: string \"three\""),
        "{}",
        error.message
    );
}

#[test]
fn wrong_type_inside_defaults_is_pinned_too() {
    let yaml =
        format!("defaults:\n  timeout: soon\n{HEADER}  - {{id: A, agent: eric, input: go}}\n");
    let error = only_error(&yaml);
    assert_eq!((error.line, error.path.as_str()), (2, "defaults.timeout"));
}

#[test]
fn missing_required_field_names_the_mapping_that_lacks_it() {
    let yaml =
        format!("{HEADER}  - {{id: A, agent: eric, input: go}}\n  - id: B\n    agent: eric\n");
    let error = only_error(&yaml);
    assert_eq!((error.line, error.path.as_str()), (13, "steps[1]"));
    assert_eq!(error.message, "missing field `input`");
}

#[test]
fn unknown_step_type_lists_the_allowed_ones() {
    let yaml = format!("{HEADER}  - {{id: A, agent: eric, input: go, type: lop}}\n");
    let error = only_error(&yaml);
    assert_eq!((error.line, error.path.as_str()), (12, "steps[0].type"));
    assert!(error.message.contains("`standard`"), "{}", error.message);
}

#[test]
fn step_id_with_a_colon_is_refused_at_its_line() {
    let yaml = format!("{HEADER}  - id: \"A:1\"\n    agent: eric\n    input: go\n");
    let error = only_error(&yaml);
    assert_eq!((error.line, error.path.as_str()), (12, "steps[0].id"));
}

#[test]
fn empty_document_is_refused_at_line_one() {
    for yaml in ["", "# only a comment\n", "~\n"] {
        let error = only_error(yaml);
        assert_eq!(error.to_string(), "line 1: the document is empty");
    }
}

#[test]
fn a_document_that_is_not_a_mapping_is_refused() {
    let error = only_error("- just\n- a list\n");
    assert_eq!((error.line, error.path.as_str()), (1, ""));
    assert!(
        error.message.contains("expected struct PipelineConfig"),
        "{}",
        error.message
    );
}

#[test]
fn errors_serialize_for_api_responses() {
    let error = only_error(&format!("{HEADER}  - {{id: A, agent: x, input: go}}\n"));
    let json = serde_json::to_value(&error).expect("serializes");
    assert_eq!(json["line"], 12);
    assert_eq!(json["path"], "steps[0].agent");
}

/// A "billion laughs" document: nine levels of nine aliases, about 1 KiB of text.
fn alias_bomb() -> String {
    let mut doc = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let below = format!("*a{}", level - 1);
        let row = [below.as_str(); 9].join(", ");
        doc.push_str(&format!("a{level}: &a{level} [{row}]\n"));
    }
    doc
}

#[test]
fn an_alias_bomb_is_refused_without_expanding_it() {
    let doc = format!("{HEADER}{}", alias_bomb());
    let started = std::time::Instant::now();
    let error = only_error(&doc);
    assert!(
        error.message.contains("alias") || error.message.contains("repetition"),
        "{error:?}"
    );
    println!("alias bomb refused in {:?}", started.elapsed());
}

#[test]
fn a_document_over_the_size_cap_is_refused_before_parsing() {
    let padding = "# padding padding padding padding padding padding padding padding\n";
    let doc = format!("{HEADER}{}", padding.repeat(4200));
    assert!(doc.len() > shared_schemas::yaml::MAX_YAML_BYTES);
    let error = only_error(&doc);
    assert_eq!(error.line, 1, "{error:?}");
    assert!(error.message.contains("256 KiB"), "{error:?}");
}

//! `POST /v1/pipelines/{id}/validate`: errors and warnings, each with its line, for the stored
//! pipeline or a draft; the shipped pipelines validate clean.

use serde_json::{Value, json};

use crate::pipelines_support::{body, spawn, validate_stored};

const WITH_WARNINGS: &str = "\
id: checks
name: Checks
version: '1'
agents:
  - {id: a, name: A, persona: x}
steps:
  - id: FIRST
    agent: a
    input: \"{{task_description}} {{ghost}}\"
    outputs: [plan]
    onResult:
      DONE:
        notify: {agent: a, message: finished}
  - id: LOST
    agent: a
    input: \"{{plan}}\"
";

fn summary(issues: &Value) -> Vec<(u64, String)> {
    issues
        .as_array()
        .expect("a list")
        .iter()
        .map(|w| {
            assert!(w["column"].as_u64().is_some(), "a column: {w}");
            (
                w["line"].as_u64().expect("line"),
                w["path"].as_str().expect("path").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn validate_reports_warnings_of_the_stored_pipeline_with_their_lines() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let (status, created) = app
        .client
        .bearer(&a.token)
        .post("/v1/pipelines/", body(WITH_WARNINGS))
        .await;
    assert_eq!(
        status.as_u16(),
        201,
        "warnings do not stop a pipeline: {created}"
    );
    let (status, report) = validate_stored(&app, &a.token, "checks").await;
    assert_eq!(status.as_u16(), 200, "{report}");
    assert_eq!(report["valid"], true);
    assert_eq!(report["errors"], json!([]));
    assert_eq!(
        summary(&report["warnings"]),
        [
            (9, "steps[0].input".to_owned()),
            (13, "steps[0].onResult.DONE".to_owned()),
            (14, "steps[1].id".to_owned()),
        ],
        "{report}"
    );
    let messages = report["warnings"].to_string();
    assert!(messages.contains("{{ghost}}"), "{messages}");
    assert!(
        messages.contains("the run completes after it"),
        "{messages}"
    );
    assert!(messages.contains("step LOST is unreachable"), "{messages}");
}

#[tokio::test]
async fn validate_checks_a_draft_without_storing_it() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let user = app.client.bearer(&a.token);
    let broken = WITH_WARNINGS.replace(
        "agent: a\n    input: \"{{plan}}\"",
        "agent: b\n    input: \"{{plan}}\"",
    );
    let (status, report) = user
        .post("/v1/pipelines/checks/validate", body(&broken))
        .await;
    assert_eq!(status.as_u16(), 200, "{report}");
    assert_eq!(report["valid"], false);
    assert_eq!(
        summary(&report["errors"]),
        [(15, "steps[1].agent".to_owned())]
    );
    assert_eq!(report["warnings"], json!([]));

    let (_, other_id) = user
        .post("/v1/pipelines/elsewhere/validate", body(WITH_WARNINGS))
        .await;
    assert_eq!(other_id["valid"], false);
    assert_eq!(summary(&other_id["errors"]), [(1, "id".to_owned())]);
    assert_eq!(other_id["pipeline_id"], "elsewhere");

    let (status, _) = validate_stored(&app, &a.token, "checks").await;
    assert_eq!(status.as_u16(), 404, "the draft was not stored");
    let (status, malformed) = user
        .post("/v1/pipelines/checks/validate", json!({"yaml": "x"}))
        .await;
    kit::testing::assert_error(status.as_u16(), &malformed, 422, "validation_failed");
}

#[tokio::test]
async fn the_shipped_pipelines_validate_without_errors_or_warnings() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    for id in ["planning", "execute", "feature-delivery"] {
        let (status, report) = validate_stored(&app, &a.token, id).await;
        assert_eq!(status.as_u16(), 200, "{report}");
        assert_eq!(
            report,
            json!({"valid": true, "errors": [], "warnings": [], "pipeline_id": id})
        );
    }
}

#[tokio::test]
async fn the_shipped_pipelines_have_what_their_callers_rely_on() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let user = app.client.bearer(&a.token);
    // project-svc imports `task_breakdown_json`: an array of its import task's fields.
    let (_, planning) = user.get("/v1/pipelines/planning").await;
    let step = &planning["steps"][0];
    assert!(
        step["outputs"]
            .as_array()
            .expect("outputs")
            .contains(&json!("task_breakdown_json"))
    );
    let item = &step["outputSchema"]["schema"]["properties"]["task_breakdown_json"]["items"];
    assert_eq!(
        item["required"],
        json!([
            "title",
            "description",
            "priority",
            "estimatedHours",
            "tags",
            "dependsOn"
        ])
    );
    assert_eq!(
        item["properties"]["priority"]["enum"],
        json!(["P0", "P1", "P2", "P3"])
    );
    // execute: one step whose agent is the `executor` placeholder (the run's agent).
    let (_, execute) = user.get("/v1/pipelines/execute").await;
    assert_eq!(execute["steps"].as_array().expect("steps").len(), 1);
    assert_eq!(execute["steps"][0]["agent"], "executor");
    // Every other agent slug is one of the shipped agent templates.
    let templates = crate::pipelines_support::repo_root().join("agent-templates");
    for id in ["planning", "feature-delivery"] {
        let (_, pipeline) = user.get(&format!("/v1/pipelines/{id}")).await;
        for agent in pipeline["agents"].as_array().expect("agents") {
            let slug = agent["id"].as_str().expect("slug");
            assert!(
                templates.join(slug).is_dir(),
                "{id}: no agent template {slug}"
            );
        }
    }
    // feature-delivery uses a loop, onResult goto + notify, continueLoop and retry.
    let (_, feature) = user.get("/v1/pipelines/feature-delivery").await;
    let text = feature.to_string();
    for needle in [
        "\"loop\"",
        "onEachComplete",
        "onAllComplete",
        "continueLoop",
        "\"retry\":true",
        "\"goto\"",
        "\"notify\"",
        "outputSchema",
    ] {
        assert!(text.contains(needle), "feature-delivery lacks {needle}");
    }
}

//! The three shared-schemas fixtures run to completion with scripted step results.

use serde_json::json;

use crate::support::{DOCS, FEATURE, TRIAGE, engine, ok};

#[tokio::test]
async fn feature_delivery_runs_its_loop_review_retry_and_release() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, FEATURE).await;
    let run = e.start(&t, &id, "dark mode").await;
    let script: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "PLAN",
            vec![
                ("plan_summary", "two tasks"),
                ("tasks_json", r#"["toggle", "theme"]"#),
            ],
        ),
        ("BUILD", vec![("change_summary", "toggle v1")]),
        (
            "REVIEW",
            vec![
                ("verdict", "CHANGES_REQUESTED"),
                ("review_notes", "rename it"),
            ],
        ),
        ("BUILD", vec![("change_summary", "toggle v2")]),
        ("REVIEW", vec![("verdict", "APPROVED")]),
        ("TEST", vec![("result", "FAIL")]),
        ("TEST", vec![("result", "PASS")]),
        ("BUILD", vec![("change_summary", "theme")]),
        ("REVIEW", vec![("verdict", "APPROVED")]),
        ("TEST", vec![("result", "PASS")]),
        (
            "RELEASE",
            vec![("release_notes", "notes"), ("release_tag", "v2.1.0")],
        ),
    ];
    for (want, outputs) in script {
        let (step, attempt) = e.queued(&t.id, &run).await.expect("a queued step");
        assert_eq!(step, want, "after {:?}", e.event_types(&run).await);
        let (work, _) = e.act_on(&t.id, &run, &step, attempt, ok(&outputs)).await;
        let work = work.expect("work");
        if step == "BUILD" && attempt == 2 {
            assert!(work.prompt.contains("Implement this task: toggle"));
            assert!(work.prompt.contains("Address the review notes: rename it"));
        }
        if step == "BUILD" && attempt == 3 {
            assert!(work.prompt.contains("Implement this task: theme"));
            assert!(work.prompt.contains(r#"Already done: ["toggle"]"#));
        }
        if step == "TEST" {
            assert_eq!(work.timeout_secs, 1800);
        }
        if step == "BUILD" {
            assert_eq!(
                work.model.as_deref(),
                Some("openrouter/qwen/qwen3-coder"),
                "the agent's model"
            );
        }
    }
    let detail = e.run(&t.id, &run).await;
    assert_eq!(detail.status, "completed", "{:?}", detail.error);
    assert_eq!(detail.outputs["release_tag"], "v2.1.0");
    let types = e.event_types(&run).await;
    assert_eq!(types.iter().filter(|t| *t == "AGENT_MESSAGE").count(), 1);
    assert_eq!(
        types.iter().filter(|t| *t == "LOOP_ITEM_COMPLETE").count(),
        2
    );
}

#[tokio::test]
async fn bug_triage_escalates_a_critical_bug_with_its_notify() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, TRIAGE).await;
    let run = e.start(&t, &id, "prod is down").await;
    let mut classified = ok(&[]);
    classified.structured =
        Some(json!({"severity": "CRITICAL", "component": "db", "summary": "down"}));
    e.act(&t.id, &run, classified).await;
    let (step, attempt) = e.queued(&t.id, &run).await.expect("queued");
    assert_eq!(step, "ESCALATE");
    let (work, _) = e
        .act_on(
            &t.id,
            &run,
            &step,
            attempt,
            ok(&[("mitigation", "failover")]),
        )
        .await;
    assert_eq!(
        work.expect("work").prompt,
        "Reproduce and mitigate: down (component db)"
    );
    e.act(&t.id, &run, ok(&[])).await;
    assert_eq!(e.status(&t.id, &run).await, "completed");
    let notes: Vec<_> = e
        .events(&run)
        .await
        .into_iter()
        .filter(|v| v["type"] == "AGENT_MESSAGE")
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["to"], e.agents.id(&t.id, "oncall"));
    assert_eq!(notes[0]["threadId"], format!("{run}_notification"));
}

#[tokio::test]
async fn docs_refresh_runs_both_steps_with_their_models() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, DOCS).await;
    let run = e.start(&t, &id, "refresh").await;
    let (work, _) = e
        .act_on(&t.id, &run, "AUDIT", 1, ok(&[("stale_pages", "a.md")]))
        .await;
    assert_eq!(
        work.expect("work").model.as_deref(),
        Some("openrouter/google/gemini-2.5-flash")
    );
    let (work, _) = e.act_on(&t.id, &run, "REWRITE", 1, ok(&[])).await;
    let work = work.expect("work");
    assert_eq!(work.prompt, "Rewrite these pages: a.md");
    assert_eq!(
        (work.timeout_secs, work.max_turns, work.model),
        (900, 60, None)
    );
    assert_eq!(e.status(&t.id, &run).await, "completed");
}

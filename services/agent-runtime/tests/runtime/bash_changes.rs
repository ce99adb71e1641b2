//! Files a `bash` command creates, modifies or deletes are reported as `fileChange`, like the
//! write and edit tools' own; `.git` is not looked at.

use crate::common::{Harness, check_order, fake_env};
use llm_fake::{LlmFake, Reply};
use serde_json::json;
use shared_schemas::runtime::{FileChangeType, RuntimeMessage};

#[tokio::test]
async fn a_commands_file_changes_are_reported() {
    let fake = LlmFake::start().await;
    let command = "mkdir -p out && echo a > out/new.txt && echo more >> keep.txt && rm gone.txt \
        && mkdir -p .git && echo x > .git/HEAD && cat same.txt";
    fake.script(
        "m-bash-files",
        vec![
            Reply::tool_call("bash", json!({"command": command})),
            Reply::tool_call("complete", json!({"outputs": {"a": "1"}})),
        ],
    );
    let mut rt = Harness::start("custom-fake/m-bash-files", &fake_env(&fake)).await;
    for name in ["keep.txt", "gone.txt", "same.txt"] {
        std::fs::write(rt.workspace.join(name), "before\n").expect("seed");
    }
    rt.send(json!({"type": "agentStep", "requestId": "r1", "prompt": "go", "timestamp": 1}))
        .await;
    let messages = rt.until_idle("r1").await;
    assert!(check_order(&messages, "r1").success);
    let mut changes: Vec<(String, FileChangeType)> = messages
        .iter()
        .filter_map(|m| match m {
            RuntimeMessage::FileChange(f) => Some((f.path.clone(), f.change_type)),
            _ => None,
        })
        .collect();
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        changes,
        [
            ("gone.txt".to_owned(), FileChangeType::Delete),
            ("keep.txt".to_owned(), FileChangeType::Modify),
            ("out/new.txt".to_owned(), FileChangeType::Create),
        ]
    );
    // The changes come between the command's start and end.
    let position = |f: &dyn Fn(&RuntimeMessage) -> bool| messages.iter().position(f);
    let started = position(&|m| matches!(m, RuntimeMessage::ToolStart(t) if t.tool_name == "bash"));
    let first = position(&|m| matches!(m, RuntimeMessage::FileChange(_)));
    let ended = position(&|m| matches!(m, RuntimeMessage::ToolEnd(t) if t.tool_name == "bash"));
    assert!(started < first && first < ended, "{messages:?}");
    rt.shutdown().await;
}

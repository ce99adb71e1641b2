//! The file tools stay in the workspace: `..`, absolute paths elsewhere, NUL and symlinks that
//! leave it are refused, through the `tool` command and through the agent loop; bash runs in the
//! workspace (it is not a sandbox in process mode) with none of the runtime's secrets.

use crate::common::{Harness, check_order, temp_dir};
use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::{Value, json};
use shared_schemas::runtime::StepEnd;

async fn tool(rt: &mut Harness, id: &str, name: &str, args: Value) -> StepEnd {
    rt.send(json!({"type": "tool", "requestId": id, "toolName": name, "args": args}))
        .await;
    check_order(&rt.until_idle(id).await, id)
}

#[tokio::test]
async fn file_tools_refuse_every_way_out_of_the_workspace() {
    let secret_dir = temp_dir("outside");
    std::fs::write(secret_dir.join("secret.txt"), "top secret").expect("secret");
    let env = vec![("OPENAI_API_KEY", "sk-must-not-leak".to_owned())];
    let mut rt = Harness::start("openai/gpt-test", &env).await;
    std::os::unix::fs::symlink(&secret_dir, rt.workspace.join("link")).expect("symlink");
    std::os::unix::fs::symlink(secret_dir.join("secret.txt"), rt.workspace.join("s.txt"))
        .expect("symlink");
    let outside = secret_dir.join("secret.txt").display().to_string();
    let attempts = [
        ("read", json!({"path": "../secret.txt"}), "`..`"),
        (
            "read",
            json!({"path": "/etc/passwd"}),
            "outside the workspace",
        ),
        ("read", json!({"path": outside}), "outside the workspace"),
        ("read", json!({"path": "link/secret.txt"}), "symbolic link"),
        ("read", json!({"path": "s.txt"}), "symbolic link"),
        ("read", json!({"path": "a\u{0}b"}), "NUL"),
        (
            "write",
            json!({"path": "../escaped.txt", "content": "x"}),
            "`..`",
        ),
        (
            "write",
            json!({"path": "link/new.txt", "content": "x"}),
            "symbolic link",
        ),
        (
            "write",
            json!({"path": "s.txt", "content": "overwritten"}),
            "symbolic link",
        ),
        (
            "write",
            json!({"path": "/tmp/escaped.txt", "content": "x"}),
            "outside the workspace",
        ),
        (
            "edit",
            json!({"path": "s.txt", "old": "top", "new": "bottom"}),
            "symbolic link",
        ),
    ];
    for (i, (name, args, why)) in attempts.into_iter().enumerate() {
        let end = tool(&mut rt, &format!("t{i}"), name, args.clone()).await;
        assert!(!end.success, "{name} {args} was allowed: {end:?}");
        assert!(end.result.contains(why), "{name} {args}: {}", end.result);
    }
    assert_eq!(
        std::fs::read_to_string(secret_dir.join("secret.txt")).expect("intact"),
        "top secret"
    );
    assert!(!secret_dir.join("new.txt").exists());

    // Inside is fine, by relative or absolute path.
    let inside = rt.workspace.join("ok.txt").display().to_string();
    assert!(
        tool(
            &mut rt,
            "w",
            "write",
            json!({"path": inside, "content": "a b a"})
        )
        .await
        .success
    );
    let dup = tool(
        &mut rt,
        "e1",
        "edit",
        json!({"path": "ok.txt", "old": "a", "new": "c"}),
    )
    .await;
    assert!(!dup.success && dup.result.contains("2 times"), "{dup:?}");
    assert!(
        tool(
            &mut rt,
            "e2",
            "edit",
            json!({"path": "ok.txt", "old": "b", "new": "c"})
        )
        .await
        .success
    );
    let read = tool(&mut rt, "r", "read", json!({"path": "./ok.txt"})).await;
    assert_eq!(read.result, "a c a");

    // bash runs in the workspace and may read what the user can (not a sandbox), but it does
    // not inherit the runtime's keys or Redis URL.
    let end = tool(
        &mut rt,
        "b1",
        "bash",
        json!({"command": "pwd; cat s.txt; env"}),
    )
    .await;
    assert!(end.success, "{end:?}");
    assert!(
        end.result.contains(
            &rt.workspace
                .canonicalize()
                .expect("canon")
                .display()
                .to_string()
        )
    );
    assert!(end.result.contains("top secret"));
    assert!(!end.result.contains("sk-must-not-leak") && !end.result.contains("REDIS_URL"));
    let end = tool(
        &mut rt,
        "b2",
        "bash",
        json!({"command": "sleep 5", "timeoutSeconds": 1}),
    )
    .await;
    assert!(!end.success && end.result.contains("timed out"));
    let _ = std::fs::remove_dir_all(&secret_dir);
    rt.shutdown().await;
}

#[tokio::test]
async fn the_model_asking_for_an_escape_gets_an_error_result_and_goes_on() {
    let fake = LlmFake::start().await;
    fake.script(
        "sneaky",
        vec![
            Reply::tool_calls(vec![ToolCall::new("read", json!({"path": "/etc/passwd"}))]),
            Reply::tool_calls(vec![ToolCall::new(
                "complete",
                json!({"outputs": {"read": "no"}}),
            )]),
        ],
    );
    let env = crate::common::fake_env(&fake);
    let mut rt = Harness::start("custom-fake/sneaky", &env).await;
    rt.send(json!({"type": "agentStep", "requestId": "r1", "prompt": "read /etc/passwd"}))
        .await;
    let end = check_order(&rt.until_idle("r1").await, "r1");
    assert!(end.success);
    let second = &fake.requests("sneaky")[1].body["messages"];
    let result = second
        .as_array()
        .expect("messages")
        .last()
        .expect("tool result");
    assert_eq!(result["role"], "tool");
    assert!(
        result["content"]
            .as_str()
            .expect("text")
            .contains("outside the workspace")
    );
    rt.shutdown().await;
}

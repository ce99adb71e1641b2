//! The LLM call log: who may record, lists with summaries and paging, admin filters, per-user
//! usage, and tenant isolation.

use serde_json::{Value, json as j};

use crate::creds;
use crate::helpers::{agent, assert_error, send, set_up, spawn, tenant};

pub(crate) fn call(agent_id: &str, extra: Value) -> Value {
    let mut base = j!({"agent_id": agent_id, "provider": "anthropic", "model": "claude-x",
        "input_tokens": 10, "output_tokens": 5, "cost_total": 0.5, "duration_ms": 100});
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    base
}

pub(crate) async fn count(app: &kit::testing::TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from agent.llm_call_logs")
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}

#[tokio::test]
async fn runtimes_record_calls_and_users_list_them_with_a_summary() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let researcher = agent(&app, &a, "researcher").await;
    let writer = agent(&app, &a, "writer").await;
    let svc = creds::service(&app, &a);
    for (agent_id, session) in [(&researcher, "s1"), (&researcher, "s1"), (&writer, "s2")] {
        let (status, r) = send(
            &app,
            "POST",
            "/v1/internal/llm-calls",
            &svc,
            Some(call(agent_id, j!({"session_id": session}))),
        )
        .await;
        assert_eq!(status, 201, "{r}");
        assert!(r["id"].as_str().expect("id").starts_with("llm_") && r["ok"] == true);
    }
    // An agent records its own calls with its own token.
    let own = creds::agent(&app, &a, &writer);
    let (status, _) = send(
        &app,
        "POST",
        "/v1/internal/llm-calls",
        &own,
        Some(call(&writer, j!({"run_id": "run_1", "total_tokens": 99}))),
    )
    .await;
    assert_eq!(status, 201);

    let (status, list) = send(&app, "GET", "/v1/llm-calls", &a.token, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 4);
    assert_eq!(list["hasMore"], false);
    assert_eq!(list["summary"]["totalCalls"], 4);
    assert_eq!(
        list["summary"]["totalTokens"],
        15 * 3 + 99,
        "totals default to the sum of parts"
    );
    assert_eq!(list["summary"]["totalCost"], 2.0);
    assert_eq!(list["calls"][0]["run_id"], "run_1", "newest first");

    let (_, s1) = send(&app, "GET", "/v1/llm-calls?session_id=s1", &a.token, None).await;
    assert_eq!(s1["total"], 2);
    let (_, w) = send(
        &app,
        "GET",
        &format!("/v1/llm-calls?agent_id={writer}&limit=1"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (w["total"].clone(), w["hasMore"].clone()),
        (j!(2), j!(true))
    );
    assert_eq!(w["calls"].as_array().expect("calls").len(), 1);
    let (_, w2) = send(
        &app,
        "GET",
        &format!("/v1/llm-calls?agent_id={writer}&limit=1&offset=1"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(w2["hasMore"], false);
    assert_ne!(w["calls"][0]["id"], w2["calls"][0]["id"]);

    // An agent token lists only its own agent.
    let (_, mine) = send(&app, "GET", "/v1/llm-calls", &own, None).await;
    assert_eq!(mine["total"], 2);
    let (status, err) = send(
        &app,
        "GET",
        &format!("/v1/llm-calls?agent_id={researcher}"),
        &own,
        None,
    )
    .await;
    assert_error(status, &err, 403, "agent_scope");

    for q in [
        "limit=501",
        "limit=0",
        "offset=-1",
        "limit=abc",
        "colour=red",
    ] {
        let (status, err) = send(&app, "GET", &format!("/v1/llm-calls?{q}"), &a.token, None).await;
        assert_error(status, &err, 422, "validation_failed");
    }
}

#[tokio::test]
async fn only_runtimes_of_the_tenant_record_and_only_for_their_agents() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let a_agent = agent(&app, &a, "researcher").await;
    let a_other = agent(&app, &a, "writer").await;
    let b_agent = agent(&app, &b, "researcher").await;
    let cases = [
        (a.token.clone(), &a_agent, 403, "forbidden"),
        (creds::admin(&app, &a), &a_agent, 403, "forbidden"),
        (
            creds::agent(&app, &a, &a_other),
            &a_agent,
            403,
            "agent_scope",
        ),
        (
            creds::service(&app, &a),
            &"agt_doesnotexist0000".to_owned(),
            404,
            "agent_not_found",
        ),
        (creds::service(&app, &b), &a_agent, 404, "agent_not_found"),
        (
            creds::agent(&app, &b, &b_agent),
            &a_agent,
            404,
            "agent_not_found",
        ),
    ];
    for (token, agent_id, want, code) in cases {
        let (status, err) = send(
            &app,
            "POST",
            "/v1/internal/llm-calls",
            &token,
            Some(call(agent_id, j!({}))),
        )
        .await;
        assert_error(status, &err, want, code);
    }
    for (bad, path) in [
        (call(&a_agent, j!({"input_tokens": -1})), "input_tokens"),
        (call(&a_agent, j!({"key_source": "stolen"})), "key_source"),
        (
            call(&a_agent, j!({"context_percent": 150})),
            "context_percent",
        ),
        (call(&a_agent, j!({"tenant_id": "ten_x"})), "tenant_id"),
        (j!({"agent_id": a_agent, "provider": "anthropic"}), "model"),
    ] {
        let (status, err) = send(
            &app,
            "POST",
            "/v1/internal/llm-calls",
            &creds::service(&app, &a),
            Some(bad),
        )
        .await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(path), "{path}: {err}");
    }
    assert_eq!(count(&app).await, 0, "nothing written");
}

#[tokio::test]
async fn key_masks_are_enforced_and_calls_outlive_their_agent() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let whole_key = "sk-ant-api03-leaked-0123456789abcdefghij";
    let body = call(
        &agent_id,
        j!({"key_masked": whole_key, "key_source": "instance"}),
    );
    let (status, _) = send(
        &app,
        "POST",
        "/v1/internal/llm-calls",
        &creds::service(&app, &a),
        Some(body),
    )
    .await;
    assert_eq!(status, 201);
    let (_, list) = send(&app, "GET", "/v1/llm-calls", &a.token, None).await;
    assert!(!list.to_string().contains("0123456789abcdef"), "{list}");
    assert!(
        list["calls"][0]["key_masked"]
            .as_str()
            .expect("mask")
            .contains("...")
    );

    // The log is the usage ledger: deleting the agent keeps its calls (and the day's counts).
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/v1/agents/{agent_id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, list) = send(&app, "GET", "/v1/llm-calls", &a.token, None).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn admins_filter_by_provider_and_key_source() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let svc = creds::service(&app, &a);
    for (provider, source) in [
        ("anthropic", "instance"),
        ("openai", "personal"),
        ("openai", "admin_shared"),
    ] {
        set_up(
            &app,
            "POST",
            "/v1/internal/llm-calls",
            &svc,
            Some(call(
                &agent_id,
                j!({"provider": provider, "key_source": source}),
            )),
        )
        .await;
    }
    let admin = creds::admin(&app, &a);
    let (status, l) = send(
        &app,
        "GET",
        "/v1/admin/llm-calls?provider=openai",
        &admin,
        None,
    )
    .await;
    assert_eq!((status, l["total"].clone()), (200, j!(2)));
    let (_, l) = send(
        &app,
        "GET",
        "/v1/admin/llm-calls?provider=openai&key_source=personal",
        &admin,
        None,
    )
    .await;
    assert_eq!(l["total"], 1);
    let (status, err) = send(&app, "GET", "/v1/admin/llm-calls", &a.token, None).await;
    assert_error(status, &err, 403, "admin_required");
    let (status, _) = send(&app, "GET", "/v1/admin/llm-calls?limit=1000", &admin, None).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn usage_folds_a_users_calls_into_sessions_and_runs() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let svc = creds::service(&app, &a);
    let me = a.user.as_str();
    for extra in [
        j!({"user_id": me, "session_id": "chat_1", "stop_reason": "toolUse"}),
        j!({"user_id": me, "session_id": "chat_1", "stop_reason": "stop", "model": "claude-y"}),
        j!({"user_id": me, "run_id": "run_1", "stop_reason": "error"}),
        j!({"user_id": me, "session_id": "chat_2", "stop_reason": "toolUse"}),
        j!({"user_id": "usr_someoneelse00001", "session_id": "chat_9"}),
    ] {
        let (status, _) = send(
            &app,
            "POST",
            "/v1/internal/llm-calls",
            &svc,
            Some(call(&agent_id, extra)),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (status, u) = send(&app, "GET", "/v1/usage/me", &a.token, None).await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(u["total"], 3);
    let by_id = |id: &str| {
        u["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .expect("item")
    };
    let chat = by_id("chat_1");
    assert_eq!(
        (
            chat["type"].clone(),
            chat["status"].clone(),
            chat["llmCalls"].clone()
        ),
        (j!("chat"), j!("completed"), j!(2))
    );
    assert_eq!(chat["model"], "claude-y");
    assert_eq!(chat["agentId"], agent_id.as_str());
    assert_eq!(by_id("run_1")["status"], "failed");
    assert_eq!(by_id("chat_2")["status"], "active");
    assert_eq!(by_id("chat_2")["completedAt"], Value::Null);
    assert_eq!(u["summary"]["totalLlmCalls"], 4);
    assert_eq!(u["summary"]["totalSessions"], 2);
    assert_eq!(u["summary"]["totalRuns"], 1);
    assert_eq!(u["summary"]["totalCost"], 2.0);

    let (_, runs) = send(&app, "GET", "/v1/usage/me?item_type=run", &a.token, None).await;
    assert_eq!(runs["total"], 1);
    let (_, active) = send(
        &app,
        "GET",
        "/v1/usage/me?status=active&limit=1",
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (active["total"].clone(), active["items"][0]["id"].clone()),
        (j!(1), j!("chat_2"))
    );
    for q in [
        "item_type=task",
        "status_filter=lost",
        "limit=501",
        "offset=-2",
    ] {
        let (status, err) = send(&app, "GET", &format!("/v1/usage/me?{q}"), &a.token, None).await;
        assert_error(status, &err, 422, "validation_failed");
    }
    let (status, _) = send(&app, "GET", "/v1/usage/me", &svc, None).await;
    assert_eq!(status, 403, "usage is a user's own");
}

#[tokio::test]
async fn tenant_b_never_sees_tenant_a_calls_or_usage() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let a_agent = agent(&app, &a, "researcher").await;
    let body = call(&a_agent, j!({"user_id": a.user, "session_id": "chat_a"}));
    set_up(
        &app,
        "POST",
        "/v1/internal/llm-calls",
        &creds::service(&app, &a),
        Some(body),
    )
    .await;
    let b_admin = creds::admin(&app, &b);
    for (token, path) in [
        (&b.token, format!("/v1/llm-calls?agent_id={a_agent}")),
        (&b.token, "/v1/llm-calls?session_id=chat_a".to_owned()),
        (&b_admin, "/v1/admin/llm-calls".to_owned()),
    ] {
        let (status, l) = send(&app, "GET", &path, token, None).await;
        assert_eq!(
            (status, l["total"].clone(), l["calls"].clone()),
            (200, j!(0), j!([])),
            "{path}"
        );
    }
    // B's user token with A's user id as subject still only reads B's rows.
    let b_as_a_user = creds::user(&app, &b, &a.user, false);
    let (_, u) = send(&app, "GET", "/v1/usage/me", &b_as_a_user, None).await;
    assert_eq!(u["total"], 0);
    let (_, l) = send(&app, "GET", "/v1/llm-calls", &a.token, None).await;
    assert_eq!(l["total"], 1, "A's call is still there");
}

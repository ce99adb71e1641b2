//! The inbox: anyone of the tenant writes to an agent, agents only as themselves, and only the
//! agent (or users and services) reads and tidies its own.

use serde_json::{Value, json as j};

use crate::helpers::{agent, assert_error, send, spawn, tenant};
use crate::tokens::{agent_token, service_token};

fn message(kind: &str, priority: &str, body: &str) -> Value {
    j!({"from": "Sam", "type": kind, "priority": priority, "subject": "hi", "body": body})
}

#[tokio::test]
async fn messages_are_listed_filtered_paged_and_marked_read() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let path = format!("/v1/agents/{id}/inbox");
    let (status, sent) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"from": "Sam", "body": "hello", "runContext": "run_1", "stepContext": "SPEC"})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert!(sent["id"].as_str().expect("id").starts_with("msg_"));
    assert_eq!(sent["from"], "Sam");
    assert_eq!(sent["to"], id.as_str());
    assert_eq!(sent["type"], "info");
    assert_eq!(sent["priority"], "normal");
    assert_eq!(
        (sent["body"].clone(), sent["message"].clone()),
        (j!("hello"), j!("hello"))
    );
    assert_eq!(sent["runContext"], "run_1");
    assert_eq!(
        (sent["read"].clone(), sent["readAt"].clone()),
        (j!(false), Value::Null)
    );
    for (kind, priority) in [
        ("review_request", "high"),
        ("help_request", "normal"),
        ("urgent", "urgent"),
        ("work_assignment", "normal"),
    ] {
        let (status, _) = send(
            &app,
            "POST",
            &path,
            &a.token,
            Some(message(kind, priority, kind)),
        )
        .await;
        assert_eq!(status, 201);
    }

    let (_, all) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(
        (all["totalCount"].clone(), all["unreadCount"].clone()),
        (j!(5), j!(5))
    );
    assert_eq!(all["hasMore"], false);
    assert_eq!(
        all["messages"][0]["body"], "work_assignment",
        "newest first"
    );
    assert_eq!(all["messages"][4], sent);
    for (filter, want) in [
        ("urgent", vec!["urgent"]),
        ("review_request", vec!["review_request"]),
        ("help_request", vec!["help_request"]),
    ] {
        let (_, page) = send(
            &app,
            "GET",
            &format!("{path}?filter={filter}"),
            &a.token,
            None,
        )
        .await;
        let bodies: Vec<_> = page["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m["body"].as_str().expect("body").to_owned())
            .collect();
        assert_eq!(bodies, want, "{filter}");
        assert_eq!(page["unreadCount"], 5);
    }
    let (_, page) = send(
        &app,
        "GET",
        &format!("{path}?limit=2&offset=1"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(page["messages"].as_array().expect("page").len(), 2);
    assert_eq!(page["messages"][0]["body"], "urgent");
    assert_eq!(
        (page["totalCount"].clone(), page["hasMore"].clone()),
        (j!(5), j!(true))
    );
    let (_, page) = send(
        &app,
        "GET",
        &format!("{path}?limit=2&offset=3"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(page["hasMore"], false);

    let ids = j!([sent["id"], all["messages"][0]["id"], "msg_unknown"]);
    let mark = format!("{path}/mark-read");
    let (_, marked) = send(&app, "POST", &mark, &a.token, Some(j!({"messageIds": ids}))).await;
    assert_eq!(marked, j!({"marked": 2, "unreadCount": 3}));
    let (_, marked) = send(&app, "POST", &mark, &a.token, Some(j!({"messageIds": ids}))).await;
    assert_eq!(marked, j!({"marked": 0, "unreadCount": 3}));
    let (_, unread) = send(
        &app,
        "GET",
        &format!("{path}?filter=unread"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(unread["totalCount"], 3);
    let one = format!("{path}/{}", sent["id"].as_str().expect("id"));
    let (status, got) = send(&app, "GET", &one, &a.token, None).await;
    assert_eq!(status, 200);
    assert_eq!(got["read"], true);
    assert!(got["readAt"].is_i64());
    let (status, err) = send(&app, "GET", &format!("{path}/msg_unknown"), &a.token, None).await;
    assert_error(status, &err, 404, "message_not_found");

    let clear = format!("{path}/clear");
    let (status, err) = send(&app, "POST", &clear, &a.token, Some(j!({"confirm": false}))).await;
    assert_error(status, &err, 400, "confirm_required");
    let (_, res) = send(&app, "POST", &clear, &a.token, Some(j!({"confirm": true}))).await;
    assert_eq!(res, j!({"cleared": true, "deleted": 5}));
    let (_, all) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(
        all,
        j!({"messages": [], "totalCount": 0, "unreadCount": 0, "hasMore": false})
    );
}

#[tokio::test]
async fn agents_message_each_other_as_themselves_and_read_only_their_own_inbox() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    let finn = agent(&app, &a, "finn").await;
    let eric_token = agent_token(&app, &a, &eric);
    let finn_inbox = format!("/v1/agents/{finn}/inbox");

    let (status, sent) = send(
        &app,
        "POST",
        &finn_inbox,
        &eric_token,
        Some(message("review_request", "high", "please review")),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(
        sent["fromAgentId"],
        eric.as_str(),
        "filled in from the token"
    );
    let claim = j!({"from": "Finn", "fromAgentId": eric, "body": "same id is fine"});
    let (status, _) = send(&app, "POST", &finn_inbox, &eric_token, Some(claim)).await;
    assert_eq!(status, 201);
    let spoof = j!({"from": "Finn", "fromAgentId": finn, "body": "I am Finn"});
    let (status, err) = send(
        &app,
        "POST",
        &format!("/v1/agents/{eric}/inbox"),
        &eric_token,
        Some(spoof),
    )
    .await;
    assert_error(status, &err, 403, "agent_scope");

    let (status, err) = send(&app, "GET", &finn_inbox, &eric_token, None).await;
    assert_error(status, &err, 403, "agent_scope");
    let message_path = format!("{finn_inbox}/{}", sent["id"].as_str().expect("id"));
    for (method, path, body) in [
        ("GET", message_path.clone(), None),
        (
            "POST",
            format!("{finn_inbox}/mark-read"),
            Some(j!({"messageIds": [sent["id"]]})),
        ),
        (
            "POST",
            format!("{finn_inbox}/clear"),
            Some(j!({"confirm": true})),
        ),
    ] {
        let (status, err) = send(&app, method, &path, &eric_token, body).await;
        assert_error(status, &err, 403, "agent_scope");
    }

    let finn_token = agent_token(&app, &a, &finn);
    let (status, inbox) = send(&app, "GET", &finn_inbox, &finn_token, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (inbox["totalCount"].clone(), inbox["unreadCount"].clone()),
        (j!(2), j!(2))
    );
    let (status, _) = send(&app, "GET", &message_path, &finn_token, None).await;
    assert_eq!(status, 200);

    // Users and services may relay for an agent of the tenant.
    let relay = j!({"from": "engine", "fromAgentId": eric, "body": "step done"});
    let (status, sent) = send(
        &app,
        "POST",
        &finn_inbox,
        &service_token(&app, &a),
        Some(relay),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(sent["fromAgentId"], eric.as_str());
    let (status, err) = send(
        &app,
        "POST",
        &finn_inbox,
        &a.token,
        Some(j!({"from": "x", "fromAgentId": "agt_nobody", "body": "b"})),
    )
    .await;
    assert_error(status, &err, 404, "agent_not_found");
}

#[tokio::test]
async fn bad_inbox_requests_are_refused_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "eric").await;
    let theirs = agent(&app, &b, "theirs").await;
    let path = format!("/v1/agents/{id}/inbox");
    for (body, field) in [
        (j!({"body": "no sender"}), "from"),
        (j!({"from": "Sam"}), "body"),
        (j!({"from": "Sam", "body": "   "}), "body"),
        (j!({"from": "Sam", "body": "x", "type": "gossip"}), "type"),
        (
            j!({"from": "Sam", "body": "x", "priority": "meh"}),
            "priority",
        ),
        (j!({"from_": "Sam", "body": "x"}), "from_"),
        (j!({"from": "Sam", "body": "x".repeat(65 * 1024)}), "body"),
    ] {
        let (status, err) = send(&app, "POST", &path, &a.token, Some(body)).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(field), "{field} missing in {err}");
    }
    // Another tenant's agent as the sender is not an agent of this tenant.
    let (status, err) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"from": "x", "fromAgentId": theirs, "body": "b"})),
    )
    .await;
    assert_error(status, &err, 404, "agent_not_found");
    for query in ["limit=0", "limit=1001", "offset=-1"] {
        let (status, err) = send(&app, "GET", &format!("{path}?{query}"), &a.token, None).await;
        assert_error(status, &err, 422, "validation_failed");
    }
    let (status, err) = send(&app, "GET", &format!("{path}?filter=spam"), &a.token, None).await;
    assert_eq!(status, 400, "{err}");
    assert!(err["code"].is_string());
    let (status, _) = send(
        &app,
        "POST",
        &format!("{path}/mark-read"),
        &a.token,
        Some(j!({"ids": []})),
    )
    .await;
    assert_eq!(status, 422);
    let (_, all) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(all["totalCount"], 0, "nothing written");
}

//! Agents on a project and their routine mappings.

use kit::testing::Method;
use serde_json::json as j;

use crate::helpers::{assert_error, board, send, spawn, tenant};
use crate::wf_support::{count, events_of};

#[tokio::test]
async fn agents_are_assigned_promoted_and_removed_with_one_event_each() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let path = format!("/v1/projects/{p}/agents");
    let (s, lead) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"agentId": "agt_ada", "role": "lead"})),
    )
    .await;
    assert_eq!(s, 200, "{lead}");
    assert_eq!(lead["status"], "assigned");
    assert_eq!(lead["role"], "lead");
    assert_eq!(lead["project_id"], j!(p));
    assert!(lead["assigned_at"].is_i64());
    let (s, _) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"agentId": "agt_bob"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, dup) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"agentId": "agt_bob", "role": "reviewer"})),
    )
    .await;
    assert_error(s, &dup, 409, "agent_already_assigned");

    let list = app.client.setup(Method::GET, &path, &a.token, None).await;
    assert_eq!(list.as_array().expect("list").len(), 2);
    assert_eq!(list[0]["agent_id"], "agt_ada");
    assert_eq!(list[0]["assigned_by"], j!(a.user));

    // Bob becomes lead: Ada is demoted in the same change.
    let (s, body) = send(
        &app,
        "PUT",
        &format!("{path}/agt_bob"),
        &a.token,
        Some(j!({"role": "lead"})),
    )
    .await;
    assert_eq!((s, body), (200, j!({"status": "updated", "role": "lead"})));
    let list = app.client.setup(Method::GET, &path, &a.token, None).await;
    let roles: Vec<(String, String)> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|x| {
            (
                x["agent_id"].as_str().expect("id").to_owned(),
                x["role"].as_str().expect("role").to_owned(),
            )
        })
        .collect();
    assert!(
        roles.contains(&("agt_bob".into(), "lead".into())),
        "{roles:?}"
    );
    assert!(
        roles.contains(&("agt_ada".into(), "member".into())),
        "{roles:?}"
    );
    // The same role again changes nothing.
    let (s, _) = send(
        &app,
        "PUT",
        &format!("{path}/agt_bob"),
        &a.token,
        Some(j!({"role": "lead"})),
    )
    .await;
    assert_eq!(s, 200);

    let (s, body) = send(&app, "DELETE", &format!("{path}/agt_ada"), &a.token, None).await;
    assert_eq!((s, body), (200, j!({"status": "removed"})));
    let (s, body) = send(&app, "DELETE", &format!("{path}/agt_ada"), &a.token, None).await;
    assert_error(s, &body, 404, "project_agent_not_found");
    let (s, body) = send(
        &app,
        "PUT",
        &format!("{path}/agt_ada"),
        &a.token,
        Some(j!({"role": "member"})),
    )
    .await;
    assert_error(s, &body, 404, "project_agent_not_found");

    assert_eq!(events_of(&app, &a, "AGENT_ASSIGNED").await.len(), 2);
    let roles = events_of(&app, &a, "AGENT_ROLE_UPDATED").await;
    assert_eq!(roles.len(), 2, "{roles:?}");
    assert!(
        roles
            .iter()
            .any(|e| e["agentId"] == "agt_bob" && e["role"] == "lead")
    );
    assert!(
        roles
            .iter()
            .any(|e| e["agentId"] == "agt_ada" && e["role"] == "member")
    );
    let removed = events_of(&app, &a, "AGENT_REMOVED").await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["projectId"], j!(p));
}

#[tokio::test]
async fn bad_assignments_are_refused_and_write_nothing() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let path = format!("/v1/projects/{p}/agents");
    for (body, field) in [
        (j!({"agentId": "Bob Smith"}), "agentId"),
        (j!({"agentId": "agt_a/b"}), "agentId"),
        (j!({"agentId": "agt_bob", "role": "boss"}), "role"),
        (j!({"agentId": "agt_bob", "tenantId": "ten_x"}), "tenantId"),
    ] {
        let (s, res) = send(&app, "POST", &path, &a.token, Some(body)).await;
        assert_error(s, &res, 422, "validation_failed");
        assert!(res.to_string().contains(field), "{res}");
    }
    let (s, res) = send(
        &app,
        "POST",
        "/v1/projects/prj_nope/agents",
        &a.token,
        Some(j!({"agentId": "agt_bob"})),
    )
    .await;
    assert_error(s, &res, 404, "project_not_found");
    assert_eq!(
        count(
            &app,
            "select count(*) from project.project_agents where tenant_id = $1",
            a.id.as_str()
        )
        .await,
        0
    );
    assert!(events_of(&app, &a, "AGENT_ASSIGNED").await.is_empty());
}

#[tokio::test]
async fn routines_map_to_the_projects_own_columns_and_resolve_to_names() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let (_, other_cols) = board(&app, &a, "Other").await;
    let base = format!("/v1/projects/{p}/agents/agt_ada/routines");
    // Not assigned yet.
    let (s, res) = send(
        &app,
        "POST",
        &base,
        &a.token,
        Some(j!({"routineId": "pr_daily"})),
    )
    .await;
    assert_error(s, &res, 404, "project_agent_not_found");
    let (s, res) = send(&app, "GET", &format!("{base}/resolve"), &a.token, None).await;
    assert_error(s, &res, 404, "project_agent_not_found");
    send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/agents"),
        &a.token,
        Some(j!({"agentId": "agt_ada"})),
    )
    .await;

    let (s, res) = send(
        &app,
        "POST",
        &base,
        &a.token,
        Some(j!({"routineId": "pr_daily", "columnIds": [cols[1], other_cols[0]]})),
    )
    .await;
    assert_error(s, &res, 422, "validation_failed");
    assert!(res.to_string().contains("columnIds[1]"), "{res}");
    let (s, res) = send(
        &app,
        "POST",
        &base,
        &a.token,
        Some(j!({"routineId": "bad id"})),
    )
    .await;
    assert_error(s, &res, 422, "validation_failed");

    let (s, m) = send(
        &app,
        "POST",
        &base,
        &a.token,
        Some(j!({
            "routineId": "pr_daily", "columnIds": [cols[1], cols[2]], "toolOverrides": ["git"]
        })),
    )
    .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["routineId"], "pr_daily");
    assert_eq!(m["agentId"], "agt_ada");
    assert_eq!(m["enabled"], true);
    assert_eq!(m["columnIds"], j!([cols[1], cols[2]]));
    let (s, dup) = send(
        &app,
        "POST",
        &base,
        &a.token,
        Some(j!({"routineId": "pr_daily"})),
    )
    .await;
    assert_error(s, &dup, 409, "routine_already_mapped");
    let (_, off) = send(
        &app,
        "POST",
        &base,
        &a.token,
        Some(j!({"routineId": "pr_weekly", "enabled": false})),
    )
    .await;

    let (s, list) = send(&app, "GET", &base, &a.token, None).await;
    assert_eq!(s, 200);
    assert_eq!(list["mappings"].as_array().expect("mappings").len(), 2);
    assert_eq!(list["projectColumns"].as_array().expect("columns").len(), 4);
    assert_eq!(list["projectColumns"][1]["statuses"], j!(["ready"]));

    let (s, resolved) = send(&app, "GET", &format!("{base}/resolve"), &a.token, None).await;
    assert_eq!(s, 200, "{resolved}");
    assert_eq!(
        resolved["resolved"],
        j!([{
            "routineId": "pr_daily", "mappingId": m["id"],
            "effectiveColumns": ["Ready", "In Progress"],
            "effectiveStatuses": ["ready", "in_progress"],
            "effectiveTools": ["git"]
        }])
    );

    // [] goes back to the routine's own columns; absent keeps the tools.
    let id = m["id"].as_str().expect("id");
    let (s, upd) = send(
        &app,
        "PUT",
        &format!("{base}/{id}"),
        &a.token,
        Some(j!({"columnIds": []})),
    )
    .await;
    assert_eq!(s, 200, "{upd}");
    assert_eq!(upd["columnIds"], j!(null));
    assert_eq!(upd["toolOverrides"], j!(["git"]));
    let (s, res) = send(
        &app,
        "PUT",
        &format!("{base}/{id}"),
        &a.token,
        Some(j!({"columnIds": [other_cols[1]]})),
    )
    .await;
    assert_error(s, &res, 422, "validation_failed");
    let (s, res) = send(
        &app,
        "PUT",
        &format!("{base}/prm_nope"),
        &a.token,
        Some(j!({"enabled": false})),
    )
    .await;
    assert_error(s, &res, 404, "routine_mapping_not_found");

    let off_id = off["id"].as_str().expect("id");
    let (s, body) = send(&app, "DELETE", &format!("{base}/{off_id}"), &a.token, None).await;
    assert_eq!((s, body), (200, j!({"status": "deleted", "id": off_id})));
    let (s, body) = send(&app, "DELETE", &format!("{base}/{off_id}"), &a.token, None).await;
    assert_error(s, &body, 404, "routine_mapping_not_found");

    // Two creates and one update announce themselves; refusals and the delete do not.
    let mapped = events_of(&app, &a, "AGENT_ROUTINE_MAPPED").await;
    assert_eq!(mapped.len(), 3, "{mapped:?}");
    assert_eq!(mapped[0]["routineId"], "pr_daily");

    // Removing the agent takes its mappings along.
    send(
        &app,
        "DELETE",
        &format!("/v1/projects/{p}/agents/agt_ada"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        count(
            &app,
            "select count(*) from project.project_agent_routines where project_id = $1",
            &p
        )
        .await,
        0
    );
}

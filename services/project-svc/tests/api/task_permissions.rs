//! Who may delete a task (security review L11): users and services of the tenant; never an
//! agent's credential, whatever project it works on.

use kit::TokenKind;
use kit::testing::{Method, StatusCode};
use serde_json::json as j;

use crate::helpers::{assert_error, board, spawn, task_row, tenant};
use crate::task_support::{agent_token, count_tasks, events_of, task_path};

#[tokio::test]
async fn an_agent_cannot_delete_tasks_even_of_a_project_it_works_on() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let (other, other_cols) = board(&app, &a, "Other").await;
    let mine = task_row(&app, &a, &p, &cols[0], "Mine", "backlog").await;
    let theirs = task_row(&app, &a, &other, &other_cols[0], "Theirs", "backlog").await;
    app.client
        .setup(
            Method::POST,
            &format!("/v1/projects/{p}/agents"),
            &a.token,
            j!({"agentId": "agt_lead", "role": "lead"}),
        )
        .await;
    let lead = agent_token(&app, &a, "agt_lead");
    for (project, task) in [(&p, &mine), (&other, &theirs)] {
        let (s, err) = app
            .client
            .bearer(&lead)
            .delete(&task_path(project, task))
            .await;
        assert_error(s.as_u16(), &err, 403, "forbidden");
    }
    assert_eq!(
        count_tasks(&app, &p).await + count_tasks(&app, &other).await,
        2
    );
    assert!(events_of(&app, &a, "TASK_UPDATED").await.is_empty());
    // The agent still works on the task; users and services delete.
    let (s, _) = app
        .client
        .bearer(&lead)
        .put(&task_path(&p, &mine), j!({"status": "ready"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let service = app.token(&a.id, "svc_engine", TokenKind::Service);
    let (s, body) = app
        .client
        .bearer(&service)
        .delete(&task_path(&other, &theirs))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = app
        .client
        .bearer(&a.token)
        .delete(&task_path(&p, &mine))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

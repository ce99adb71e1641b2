//! The project schema's own walls, below any handler: rows reference their parents within one
//! tenant and one project.

use crate::helpers::{board, spawn, task_row, tenant};

async fn insert_task(
    app: &kit::testing::TestApp,
    tenant: &str,
    project: &str,
    column: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into project.tasks (id, tenant_id, project_id, title, column_id, created_at, updated_at)
         values ($1, $2, $3, 'x', $4, 1, 1)",
    )
    .bind(format!("tsk_{}", shared_schemas::ids::random_body()))
    .bind(tenant)
    .bind(project)
    .bind(column)
    .execute(&app.db.admin)
    .await
    .map(|_| ())
}

#[tokio::test]
async fn rows_cannot_point_across_tenants_or_projects() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let (p1, cols1) = board(&app, &a, "One").await;
    let (p2, cols2) = board(&app, &a, "Two").await;
    assert!(
        insert_task(&app, a.id.as_str(), &p1, &cols1[0])
            .await
            .is_ok()
    );
    // Another project's column, or another tenant claiming A's project: both refused.
    assert!(
        insert_task(&app, a.id.as_str(), &p1, &cols2[0])
            .await
            .is_err()
    );
    assert!(
        insert_task(&app, b.id.as_str(), &p1, &cols1[0])
            .await
            .is_err()
    );
    // A dependency between tasks of two projects is refused too.
    let t1 = task_row(&app, &a, &p1, &cols1[0], "one", "backlog").await;
    let t2 = task_row(&app, &a, &p2, &cols2[0], "two", "backlog").await;
    let cross = sqlx::query(
        "insert into project.dependency_edges (id, tenant_id, project_id, from_task_id, to_task_id, created_at)
         values ('dep_x', $1, $2, $3, $4, 1)",
    )
    .bind(a.id.as_str())
    .bind(&p1)
    .bind(&t1)
    .bind(&t2)
    .execute(&app.db.admin)
    .await;
    assert!(cross.is_err());
}

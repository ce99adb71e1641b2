//! The built-in template catalog: seeding from files, who may re-run it, and the row-level
//! walls around global rows.

use std::time::Duration;

use kit::TokenKind;
use kit::auth::Claims;
use kit::db::{LookupTx, TenantTx};
use kit::testing::Method;

use crate::helpers::{assert_error, project_config, send, spawn, tenant};
use crate::templates::{BUILTINS, board, create, slugs};

#[tokio::test]
async fn a_tenant_transaction_cannot_write_global_template_rows() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let pool = app.platform.db.pool();
    let global: String = sqlx::query_scalar(
        "select id from project.project_templates where slug = 'research' and tenant_id is null",
    )
    .fetch_one(&app.db.admin)
    .await
    .expect("global row");

    let mut tx = TenantTx::begin(pool, &a.id).await.expect("tx");
    let seen: i64 = sqlx::query_scalar(
        "select count(*) from project.project_templates where tenant_id is null",
    )
    .fetch_one(&mut *tx)
    .await
    .expect("read");
    assert_eq!(seen, 4, "global rows are readable");
    let updated = sqlx::query("update project.project_templates set name = 'x' where id = $1")
        .bind(&global)
        .execute(&mut *tx)
        .await
        .expect("update runs");
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("delete from project.project_templates where id = $1")
        .bind(&global)
        .execute(&mut *tx)
        .await
        .expect("delete runs");
    assert_eq!(deleted.rows_affected(), 0);
    let inserted = sqlx::query(
        "insert into project.project_templates (id, tenant_id, slug, name, is_builtin,
             board_columns, created_at, updated_at)
         values ('tpl_forged', null, 'forged', 'Forged', true, '[]', 0, 0)",
    )
    .execute(&mut *tx)
    .await;
    let err = inserted.expect_err("RLS refuses a global insert");
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);

    // Claiming a global row for the tenant is refused too.
    let mut tx = TenantTx::begin(pool, &a.id).await.expect("tx");
    let claimed = sqlx::query(
        "update project.project_templates set tenant_id = $1, is_builtin = false where id = $2",
    )
    .bind(a.id.as_str())
    .bind(&global)
    .execute(&mut *tx)
    .await
    .expect("update runs");
    assert_eq!(claimed.rows_affected(), 0);
    drop(tx);

    // The catalog capability reaches global rows only, never a tenant's.
    let own = create(&app, &a, board()).await;
    let mut tx = LookupTx::begin(pool, "app.scope", "catalog")
        .await
        .expect("tx");
    let touched = sqlx::query("update project.project_templates set name = 'x' where id = $1")
        .bind(own["id"].as_str())
        .execute(&mut *tx)
        .await
        .expect("update runs");
    assert_eq!(touched.rows_affected(), 0);
    drop(tx);
    let names: Vec<String> =
        sqlx::query_scalar("select name from project.project_templates where id = any($1)")
            .bind(vec![global, own["id"].as_str().expect("id").to_owned()])
            .fetch_all(&app.db.admin)
            .await
            .expect("names");
    assert!(!names.contains(&"x".to_owned()), "{names:?}");
}

fn write(dir: &std::path::Path, slug: &str, text: &str) {
    std::fs::write(dir.join(format!("{slug}.yml")), text).expect("write");
}

const FILE: &str = "name: NAME\ncolumns:\n  - name: A\n    statuses: [a]\n  - name: B\n    statuses: [b]\nstatusSemantics:\n  initial: [a]\n  terminal_done: [b]\n";

#[tokio::test]
async fn seeding_follows_the_files_and_keeps_ids() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let mine = create(&app, &a, board()).await;
    let dir = std::env::temp_dir().join(format!("djb-tpl-{}", shared_schemas::ids::random_body()));
    std::fs::create_dir_all(&dir).expect("dir");
    write(&dir, "alpha", &FILE.replace("NAME", "Alpha"));
    write(&dir, "beta", &FILE.replace("NAME", "Beta"));
    let mut config = project_config();
    config.project_templates_dir = dir.clone();
    let report = project_svc::store::templates::seed(&app.platform, &config)
        .await
        .expect("seed");
    assert_eq!((report.upserted, report.removed), (2, 4), "{report:?}");
    let list = app
        .client
        .setup(Method::GET, "/v1/project-templates/", &a.token, None)
        .await;
    assert_eq!(
        slugs(&list),
        ["alpha", "beta", "sales"],
        "the tenant's own stays"
    );
    let alpha = list["templates"][0]["id"].clone();

    write(&dir, "alpha", &FILE.replace("NAME", "Alpha, revised"));
    std::fs::remove_file(dir.join("beta.yml")).expect("rm");
    write(
        &dir,
        "broken",
        "name: Broken\ncolumns: []\nstatusSemantics: {}\n",
    );
    let report = project_svc::store::templates::seed(&app.platform, &config)
        .await
        .expect("reseed");
    assert_eq!((report.upserted, report.removed), (1, 1), "{report:?}");
    assert_eq!(report.invalid.len(), 1, "{report:?}");
    let again = project_svc::store::templates::seed(&app.platform, &config)
        .await
        .expect("reseed");
    assert_eq!((again.upserted, again.unchanged), (0, 1), "{again:?}");
    let list = app
        .client
        .setup(Method::GET, "/v1/project-templates/", &a.token, None)
        .await;
    assert_eq!(slugs(&list), ["alpha", "sales"]);
    assert_eq!(list["templates"][0]["id"], alpha, "ids survive a reseed");
    assert_eq!(list["templates"][0]["name"], "Alpha, revised");
    let still = app
        .client
        .setup(Method::GET, "/v1/project-templates/sales", &a.token, None)
        .await;
    assert_eq!(still["id"], mine["id"]);

    // A folder that does not exist leaves the catalog alone.
    config.project_templates_dir = dir.join("absent");
    project_svc::store::templates::seed(&app.platform, &config)
        .await
        .expect("seed");
    let list = app
        .client
        .setup(Method::GET, "/v1/project-templates/", &a.token, None)
        .await;
    assert_eq!(slugs(&list), ["alpha", "sales"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn only_a_platform_administrator_reruns_the_seed() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    sqlx::query("delete from project.project_templates where slug = 'research'")
        .execute(&app.db.admin)
        .await
        .expect("delete");
    let (status, res) = send(&app, "POST", "/v1/project-templates/seed", &a.token, None).await;
    assert_error(status, &res, 403, "forbidden");
    let mut claims = Claims::access(
        a.user.as_str(),
        a.id.clone(),
        TokenKind::User,
        Duration::from_secs(900),
    );
    claims.platform_admin = true;
    let admin = app.mint(&claims);
    let (status, res) = send(&app, "POST", "/v1/project-templates/seed", &admin, None).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["upserted"], 1, "{res}");
    assert_eq!(res["unchanged"], 3, "{res}");
    let list = app
        .client
        .setup(Method::GET, "/v1/project-templates/", &a.token, None)
        .await;
    assert_eq!(slugs(&list), BUILTINS);
}

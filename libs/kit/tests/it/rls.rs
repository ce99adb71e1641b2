//! The row-level-security wall, checked on the real catalog.

use kit::db::TenantTx;
use kit::testing::TestDb;
use sqlx::PgPool;

/// Tables with a `tenant_id` column (and `auth.tenants`) that lack forced RLS or a policy.
async fn rls_violations(admin: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "select format('%I.%I', n.nspname, c.relname)
           from pg_class c
           join pg_namespace n on n.oid = c.relnamespace
          where c.relkind in ('r', 'p')
            and n.nspname not in ('pg_catalog', 'information_schema')
            and (exists (select 1 from pg_attribute a
                          where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
                 or (n.nspname = 'auth' and c.relname = 'tenants'))
            and not (c.relrowsecurity and c.relforcerowsecurity
                     and exists (select 1 from pg_policy p where p.polrelid = c.oid))
          order by 1",
    )
    .fetch_all(admin)
    .await
    .expect("catalog query")
}

#[tokio::test]
async fn every_tenant_table_forces_rls() {
    let db = TestDb::create().await;
    let tenant_tables: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.columns where column_name = 'tenant_id'
           and table_schema not in ('pg_catalog', 'information_schema')",
    )
    .fetch_one(&db.admin)
    .await
    .expect("count");
    assert!(
        tenant_tables >= 1,
        "the catalog walk must see tenant tables"
    );
    assert_eq!(rls_violations(&db.admin).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_new_table_without_rls_fails_the_catalog_check() {
    let db = TestDb::create().await;
    sqlx::query(
        "create table agent.forgotten (id text primary key, tenant_id varchar(64) not null)",
    )
    .execute(&db.admin)
    .await
    .expect("create");
    assert_eq!(
        rls_violations(&db.admin).await,
        vec!["agent.forgotten".to_owned()]
    );
    sqlx::query("select djb.enable_tenant_rls('agent.forgotten')")
        .execute(&db.admin)
        .await
        .expect("apply convention");
    assert_eq!(rls_violations(&db.admin).await, Vec::<String>::new());
}

#[tokio::test]
async fn tenant_tx_sees_only_its_tenant_without_any_where() {
    let db = TestDb::create().await;
    let (a, a_owner) = db.create_tenant("Alpha").await;
    let (b, _) = db.create_tenant("Beta").await;
    let pool = db.pool_as("auth_svc").await;

    let mut tx = TenantTx::begin(&pool, &a).await.expect("begin");
    let users: Vec<(String, String)> = sqlx::query_as("select id, tenant_id from auth.users")
        .fetch_all(&mut *tx)
        .await
        .expect("select");
    let tenants: Vec<String> = sqlx::query_scalar("select id from auth.tenants")
        .fetch_all(&mut *tx)
        .await
        .expect("select");
    tx.commit().await.expect("commit");
    assert_eq!(users, vec![(a_owner.to_string(), a.to_string())]);
    assert_eq!(tenants, vec![a.to_string()]);

    // Writes are fenced too: tenant A cannot insert a row for tenant B.
    let mut tx = TenantTx::begin(&pool, &a).await.expect("begin");
    let err = sqlx::query(
        "insert into auth.users (id, tenant_id, email, created_at, updated_at) values ('usr_x', $1, 'x@b.test', 0, 0)",
    )
    .bind(b.as_str())
    .execute(&mut *tx)
    .await
    .expect_err("RLS must refuse");
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[tokio::test]
async fn without_a_tenant_nothing_is_visible() {
    let db = TestDb::create().await;
    db.create_tenant("Alpha").await;
    let pool = db.pool_as("auth_svc").await;
    let count: i64 = sqlx::query_scalar("select count(*) from auth.users")
        .fetch_one(&pool)
        .await
        .expect("select");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_service_role_cannot_read_another_services_schema() {
    let db = TestDb::create().await;
    let (tenant, _) = db.create_tenant("Alpha").await;
    let pool = db.pool_as("agent_svc").await;
    let mut tx = TenantTx::begin(&pool, &tenant).await.expect("begin");
    let err = sqlx::query("select count(*) from auth.users")
        .fetch_one(&mut *tx)
        .await
        .expect_err("must be refused");
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("42501"), "{err}");
}

#[tokio::test]
async fn service_roles_are_neither_owners_nor_bypass_rls() {
    let db = TestDb::create().await;
    let super_or_bypass: Vec<String> = sqlx::query_scalar(
        "select rolname from pg_roles
          where rolname in ('auth_svc','agent_svc','project_svc','memory_svc','engine_svc',
                            'sse_relay','webhook_gw','slack_svc','mcp_svc')
            and (rolsuper or rolbypassrls)",
    )
    .fetch_all(&db.admin)
    .await
    .expect("roles");
    assert_eq!(super_or_bypass, Vec::<String>::new());
    let owned: i64 = sqlx::query_scalar(
        "select count(*) from pg_class c join pg_roles r on r.oid = c.relowner
          where r.rolname in ('auth_svc','agent_svc','project_svc','memory_svc','engine_svc',
                              'sse_relay','webhook_gw','slack_svc','mcp_svc')",
    )
    .fetch_one(&db.admin)
    .await
    .expect("owners");
    assert_eq!(owned, 0);
}

#[tokio::test]
async fn global_rows_are_readable_by_every_tenant_and_writable_by_none() {
    let db = TestDb::create().await;
    let (a, _) = db.create_tenant("Alpha").await;
    sqlx::raw_sql(
        "create table agent.catalog (id text primary key, tenant_id varchar(64), name text not null);
         select djb.enable_tenant_rls('agent.catalog', true);
         insert into agent.catalog values ('g1', null, 'global');",
    )
    .execute(&db.admin)
    .await
    .expect("set up");
    let pool = db.pool_as("agent_svc").await;
    let mut tx = TenantTx::begin(&pool, &a).await.expect("begin");
    sqlx::query("insert into agent.catalog values ('t1', $1, 'mine')")
        .bind(a.as_str())
        .execute(&mut *tx)
        .await
        .expect("own row");
    let visible: Vec<String> = sqlx::query_scalar("select id from agent.catalog order by id")
        .fetch_all(&mut *tx)
        .await
        .expect("select");
    assert_eq!(visible, ["g1", "t1"]);
    let changed = sqlx::query("update agent.catalog set name = 'pwned' where id = 'g1'")
        .execute(&mut *tx)
        .await
        .expect("update runs")
        .rows_affected();
    let deleted = sqlx::query("delete from agent.catalog where id = 'g1'")
        .execute(&mut *tx)
        .await
        .expect("delete runs")
        .rows_affected();
    assert_eq!(
        (changed, deleted),
        (0, 0),
        "global rows are read-only for tenants"
    );
    let claim = sqlx::query("insert into agent.catalog values ('g2', null, 'fake global')")
        .execute(&mut *tx)
        .await;
    assert!(claim.is_err(), "a tenant cannot create global rows");
}

//! The global-catalog helper on a real catalog table (`agent.skills`), as agent-svc's role: the
//! seed writes only global rows, lookups see the tenant's rows before global ones, and global
//! rows stay read-only to tenants.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::db::catalog::{Catalog, SeedReport, Visible};
use kit::testing::TestDb;
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;
use sqlx::{FromRow, PgPool};

const SKILLS: Catalog = Catalog {
    table: "agent.skills",
    key: "slug",
    id_prefix: "skl_",
    columns: "id, slug, name, description",
};

const CONTENT: &[&str] = &[
    "name",
    "description",
    "tags",
    "content",
    "enabled",
    "has_files",
];
const FIXED: &[(&str, &str)] = &[
    ("is_global", "true"),
    ("scope", "'global'"),
    ("created_by", "'catalog'"),
];

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
struct Skill {
    id: String,
    slug: String,
    name: String,
    description: String,
}

fn entry(name: &str, description: &str) -> Value {
    json!({"name": name, "description": description, "tags": ["t"], "content": "# body",
           "enabled": true, "has_files": false})
}

async fn seed(pool: &PgPool, now: i64, entries: &[(&str, Option<Value>)]) -> SeedReport {
    let mut seed = SKILLS
        .begin_seed(pool, CONTENT, FIXED, now)
        .await
        .expect("begin seed");
    for (key, content) in entries {
        match content {
            Some(content) => {
                seed.upsert(key, content).await.expect("upsert");
            }
            None => seed.invalid(key, "SKILL.md has no front matter"),
        }
    }
    seed.finish().await.expect("finish")
}

async fn global_id(db: &TestDb, slug: &str) -> Option<String> {
    sqlx::query_scalar("select id from agent.skills where tenant_id is null and slug = $1")
        .bind(slug)
        .fetch_optional(&db.admin)
        .await
        .expect("global row")
}

async fn own_skill(pool: &PgPool, tenant: &TenantId, slug: &str) -> String {
    let mut tx = TenantTx::begin(pool, tenant).await.expect("begin");
    let id = SKILLS.new_id();
    sqlx::query(
        "insert into agent.skills (id, tenant_id, slug, name, created_by, created_at, updated_at)
         values ($1, $2, $3, 'Mine', 'usr_x', 1, 1)",
    )
    .bind(&id)
    .bind(tenant)
    .bind(slug)
    .execute(&mut *tx)
    .await
    .expect("tenant skill");
    tx.commit().await.expect("commit");
    id
}

async fn find(pool: &PgPool, tenant: &TenantId, key: &str) -> Option<Visible<Skill>> {
    let mut tx = TenantTx::begin(pool, tenant).await.expect("begin");
    SKILLS.find(&mut tx, key).await.expect("find")
}

#[tokio::test]
async fn seeding_upserts_by_key_keeps_ids_and_invalid_rows_and_removes_what_is_gone() {
    let db = TestDb::create().await;
    let pool = db.pool_as("agent_svc").await;
    let first = seed(
        &pool,
        1_000,
        &[
            ("research", Some(entry("Research", "find things"))),
            ("writing", Some(entry("Writing", "write things"))),
            ("legacy", Some(entry("Legacy", "old"))),
            ("broken", None),
        ],
    )
    .await;
    assert_eq!(
        first,
        SeedReport {
            upserted: 3,
            unchanged: 0,
            removed: 0,
            invalid: vec!["broken: SKILL.md has no front matter".to_owned()],
        }
    );
    let research = global_id(&db, "research").await.expect("seeded");
    let writing = global_id(&db, "writing").await.expect("seeded");

    let second = seed(
        &pool,
        2_000,
        &[
            ("research", Some(entry("Research", "find things"))),
            ("writing", None),
            ("editing", Some(entry("Editing", "edit things"))),
        ],
    )
    .await;
    assert_eq!(
        (
            second.upserted,
            second.unchanged,
            second.removed,
            second.invalid.len()
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        global_id(&db, "research").await,
        Some(research.clone()),
        "ids survive"
    );
    assert_eq!(
        global_id(&db, "writing").await,
        Some(writing),
        "an invalid entry keeps its row"
    );
    assert_eq!(
        global_id(&db, "legacy").await,
        None,
        "a gone entry loses its row"
    );
    let (updated, flags): (i64, (bool, String, String)) =
        sqlx::query_as::<_, (i64, bool, String, String)>(
            "select updated_at, is_global, scope, created_by from agent.skills where id = $1",
        )
        .bind(&research)
        .fetch_one(&db.admin)
        .await
        .map(|(u, g, s, c)| (u, (g, s, c)))
        .expect("row");
    assert_eq!(updated, 1_000, "an unchanged row is not rewritten");
    assert_eq!(flags, (true, "global".to_owned(), "catalog".to_owned()));

    let changed = seed(
        &pool,
        3_000,
        &[("research", Some(entry("Research", "new words")))],
    )
    .await;
    assert_eq!((changed.upserted, changed.removed), (1, 2));
}

#[tokio::test]
async fn a_content_object_that_misses_or_adds_a_column_is_refused() {
    let db = TestDb::create().await;
    let pool = db.pool_as("agent_svc").await;
    let mut seed = SKILLS
        .begin_seed(&pool, CONTENT, FIXED, 1)
        .await
        .expect("begin");
    let err = seed
        .upsert("research", &json!({"name": "Research", "colour": "red"}))
        .await
        .expect_err("wrong shape");
    let text = err.to_string();
    assert!(
        text.contains("\"description\"") && text.contains("\"colour\""),
        "{text}"
    );
}

#[tokio::test]
async fn lookups_see_the_tenant_s_row_before_a_global_one_and_globals_stay_read_only() {
    let db = TestDb::create().await;
    let pool = db.pool_as("agent_svc").await;
    let (alpha, _) = db.create_tenant("Alpha").await;
    let (beta, _) = db.create_tenant("Beta").await;
    seed(
        &pool,
        1_000,
        &[
            ("research", Some(entry("Research", "global"))),
            ("writing", Some(entry("Writing", "global"))),
        ],
    )
    .await;
    let writing = global_id(&db, "writing").await.expect("seeded");
    let mine = own_skill(&pool, &alpha, "research").await;

    let found = find(&pool, &alpha, "research").await.expect("visible");
    assert_eq!(
        (found.row.id.as_str(), found.global),
        (mine.as_str(), false),
        "shadowed"
    );
    let found = find(&pool, &beta, "research").await.expect("visible");
    assert!(found.global, "B sees the global one");
    let found = find(&pool, &alpha, &writing).await.expect("by id");
    assert_eq!((found.row.slug.as_str(), found.global), ("writing", true));
    assert_eq!(find(&pool, &beta, &mine).await, None, "A's row is not B's");
    let refused = found
        .writable(|| ApiError::forbidden("global skills are read-only"))
        .expect_err("read-only");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let mut tx = TenantTx::begin(&pool, &alpha).await.expect("begin");
    assert!(SKILLS.key_taken(&mut tx, "writing").await.expect("taken"));
    assert!(!SKILLS.key_taken(&mut tx, "nothing").await.expect("free"));
    let page: Vec<Visible<Skill>> = SKILLS
        .list(&mut tx, "slug, tenant_id is null, id", 10, 0)
        .await
        .expect("list");
    let seen: Vec<(&str, bool)> = page
        .iter()
        .map(|v| (v.row.slug.as_str(), v.global))
        .collect();
    assert_eq!(
        seen,
        [("research", false), ("research", true), ("writing", true)]
    );
    assert!(
        !SKILLS.delete_own(&mut tx, &writing).await.expect("delete"),
        "not the tenant's"
    );
    assert!(SKILLS.delete_own(&mut tx, &mine).await.expect("delete"));
    tx.commit().await.expect("commit");
    assert!(global_id(&db, "writing").await.is_some());

    // A seeding pass never touches tenant rows, even ones whose key it does not know.
    own_skill(&pool, &beta, "beta-only").await;
    let report = seed(&pool, 2_000, &[]).await;
    assert_eq!(report.removed, 2);
    let left: i64 = sqlx::query_scalar("select count(*) from agent.skills where tenant_id = $1")
        .bind(&beta)
        .fetch_one(&db.admin)
        .await
        .expect("count");
    assert_eq!(left, 1);
}

#[tokio::test]
async fn json_content_takes_each_column_s_type_on_the_templates_table() {
    const TEMPLATES: Catalog = Catalog {
        table: "project.project_templates",
        key: "slug",
        id_prefix: "tpl_",
        columns: "id, slug, name, description",
    };
    let db = TestDb::create().await;
    let pool = db.pool_as("project_svc").await;
    let content = json!({
        "name": "Kanban", "description": "", "icon": null,
        "board_columns": [{"name": "Todo", "statuses": ["todo"]}],
        "status_semantics": {"initial": ["todo"]}, "default_pipeline_id": null,
        "onboarding_agent_chain": null, "template_metadata": {}, "sort_order": 3,
    });
    let columns: Vec<&'static str> = [
        "name",
        "description",
        "icon",
        "board_columns",
        "status_semantics",
        "default_pipeline_id",
        "onboarding_agent_chain",
        "template_metadata",
        "sort_order",
    ]
    .to_vec();
    let mut seed = TEMPLATES
        .begin_seed(&pool, &columns, &[("is_builtin", "true")], 5)
        .await
        .expect("begin");
    assert!(seed.upsert("kanban", &content).await.expect("upsert"));
    seed.finish().await.expect("finish");
    let row: (i32, Option<String>, Option<Value>, Value, bool) = sqlx::query_as(
        "select sort_order, icon, onboarding_agent_chain, board_columns, is_builtin
           from project.project_templates where slug = 'kanban' and tenant_id is null",
    )
    .fetch_one(&db.admin)
    .await
    .expect("row");
    assert_eq!(
        row,
        (
            3,
            None,
            None,
            json!([{"name": "Todo", "statuses": ["todo"]}]),
            true
        ),
        "JSON null is SQL null, numbers and arrays land typed"
    );
}

//! Id newtypes bind and decode as ids against the real Postgres (shared-schemas feature `sqlx`).

use kit::db::TenantTx;
use kit::testing::TestDb;
use shared_schemas::ids::{PipelineId, ProjectId, TenantId, UserId};

#[tokio::test]
async fn ids_round_trip_through_text_and_varchar_columns() {
    let db = TestDb::create().await;
    let (tenant, user) = db.create_tenant("Ids").await;

    // `auth.users.id` and `tenant_id` are varchar: bind ids, decode ids.
    let (id, owner): (UserId, TenantId) =
        sqlx::query_as("select id, tenant_id from auth.users where id = $1 and tenant_id = $2")
            .bind(&user)
            .bind(&tenant)
            .fetch_one(&db.admin)
            .await
            .expect("row by typed ids");
    assert_eq!((id, owner), (user, tenant.clone()));

    // Through a tenant transaction, as a store function would.
    let mut tx = TenantTx::begin(&db.admin, &tenant).await.expect("begin");
    let echoed: TenantId = sqlx::query_scalar("select current_setting('app.tenant_id')::text")
        .fetch_one(&mut *tx)
        .await
        .expect("setting");
    assert_eq!(echoed, tenant);

    let slug: PipelineId = sqlx::query_scalar("select $1::text")
        .bind(PipelineId::parse("engineering").expect("slug"))
        .fetch_one(&mut *tx)
        .await
        .expect("slug round trip");
    assert_eq!(slug.as_str(), "engineering");
}

#[tokio::test]
async fn a_vec_of_ids_binds_as_a_text_array() {
    let db = TestDb::create().await;
    let ids = vec![ProjectId::generate(), ProjectId::generate()];
    let back: Vec<ProjectId> = sqlx::query_scalar(
        "select x from unnest($1::text[]) with ordinality as u(x, n) order by n",
    )
    .bind(&ids)
    .fetch_all(&db.admin)
    .await
    .expect("unnest");
    assert_eq!(back, ids);
    let array: Vec<ProjectId> = sqlx::query_scalar("select $1::text[]")
        .bind(&ids)
        .fetch_one(&db.admin)
        .await
        .expect("array round trip");
    assert_eq!(array, ids);
}

#[tokio::test]
async fn a_value_with_the_wrong_prefix_fails_to_decode_with_a_clear_error() {
    let db = TestDb::create().await;
    let (_, user) = db.create_tenant("Prefix").await;
    let err = sqlx::query_scalar::<_, TenantId>("select id from auth.users where id = $1")
        .bind(&user)
        .fetch_one(&db.admin)
        .await
        .expect_err("a user id is not a tenant id");
    let text = err.to_string();
    assert!(
        text.contains("TenantId") && text.contains(user.as_str()) && text.contains("`ten_`"),
        "{text}"
    );

    let err = sqlx::query_scalar::<_, ProjectId>("select 'prj_a:b'::varchar")
        .fetch_one(&db.admin)
        .await
        .expect_err("a separator is refused");
    assert!(err.to_string().contains("only letters, digits"), "{err}");
}

#[tokio::test]
async fn a_non_text_column_is_refused_as_an_id() {
    let db = TestDb::create().await;
    let err = sqlx::query_scalar::<_, TenantId>("select 42")
        .fetch_one(&db.admin)
        .await
        .expect_err("an integer is not an id");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err}");
}

//! The global pipelines from `PIPELINES_DIR`: seeded at start, idempotent by content hash,
//! changed and removed with their files, never touching a tenant's own pipelines.

use std::fs;

use kit::testing::Method;

use crate::pipelines_support::{body, config_for, repo_config, seed, spawn_bare, temp_dir, yaml};

async fn updated_at(app: &kit::testing::TestApp, id: &str) -> Option<i64> {
    sqlx::query_scalar(
        "select updated_at from engine.pipelines where tenant_id is null and id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.admin)
    .await
    .expect("query")
}

#[tokio::test]
async fn the_repository_pipelines_seed_cleanly() {
    let app = spawn_bare(repo_config()).await;
    let report = seed(&app, &repo_config()).await;
    let mut written = report.written.clone();
    written.sort();
    assert_eq!(
        written,
        ["execute", "feature-delivery", "planning"],
        "{report:?}"
    );
    assert!(report.invalid.is_empty(), "{report:?}");
    let again = seed(&app, &repo_config()).await;
    assert!(
        again.written.is_empty() && again.removed.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.unchanged, 3);
}

#[tokio::test]
async fn seeding_follows_changed_added_and_removed_files_and_nothing_else() {
    let dir = temp_dir("seed");
    fs::write(dir.join("alpha.yml"), yaml("alpha", "Alpha", "x")).expect("write");
    fs::write(dir.join("beta.yaml"), yaml("beta", "Beta", "x")).expect("write");
    fs::write(dir.join("notes.txt"), "not a pipeline").expect("write");
    let config = config_for(&dir);
    let app = spawn_bare(config.clone()).await;
    let a = app.tenant("Alpha").await;

    let first = seed(&app, &config).await;
    assert_eq!(first.written, ["alpha", "beta"], "{first:?}");
    let beta_stamp = updated_at(&app, "beta").await;
    // A's own copy of beta shadows the global one; seeding never touches it.
    let ours = yaml("beta", "A's beta", "x");
    app.client
        .bearer(&a.token)
        .setup(Method::PUT, "/v1/pipelines/beta", body(&ours))
        .await;
    let loaded = engine_svc::flows::pipelines::load(&app.platform, &config, &a.id, "alpha")
        .await
        .expect("load")
        .expect("alpha");
    assert_eq!(loaded.0.name, "Alpha");

    app.clock.advance(std::time::Duration::from_secs(5));
    fs::write(dir.join("alpha.yml"), yaml("alpha", "Alpha Two", "x")).expect("write");
    let second = seed(&app, &config).await;
    assert_eq!(
        (second.written.as_slice(), second.unchanged),
        (["alpha".to_owned()].as_slice(), 1)
    );
    assert_eq!(
        updated_at(&app, "beta").await,
        beta_stamp,
        "an unchanged file is not rewritten"
    );
    let (_, alpha) = app.client.bearer(&a.token).get("/v1/pipelines/alpha").await;
    assert_eq!(alpha["name"], "Alpha Two");
    let reloaded = engine_svc::flows::pipelines::load(&app.platform, &config, &a.id, "alpha")
        .await
        .expect("load")
        .expect("alpha");
    assert_eq!(
        reloaded.0.name, "Alpha Two",
        "the cached copy of a changed global is retired"
    );

    // A broken file is reported and, while one is, no global row is removed.
    fs::remove_file(dir.join("beta.yaml")).expect("remove");
    fs::write(dir.join("broken.yml"), "id: broken\nname: [\n").expect("write");
    let third = seed(&app, &config).await;
    assert_eq!(third.invalid.len(), 1, "{third:?}");
    assert!(
        third.invalid[0].starts_with("broken.yml: line "),
        "{third:?}"
    );
    assert!(third.removed.is_empty(), "{third:?}");
    assert!(updated_at(&app, "beta").await.is_some());

    // Once the directory is consistent, the removed file's row goes; A's copy stays.
    fs::remove_file(dir.join("broken.yml")).expect("remove");
    let fourth = seed(&app, &config).await;
    assert_eq!(fourth.removed, ["beta"], "{fourth:?}");
    assert_eq!(updated_at(&app, "beta").await, None);
    let (_, raw) = app
        .client
        .bearer(&a.token)
        .get("/v1/pipelines/beta/raw")
        .await;
    assert_eq!(raw["yaml"], ours.as_str());
    let b = app.tenant("Beta").await;
    let (status, _) = app.client.bearer(&b.token).get("/v1/pipelines/beta").await;
    assert_eq!(status.as_u16(), 404);

    // Two files with one id: the second is refused.
    fs::write(dir.join("zeta.yml"), yaml("alpha", "Impostor", "x")).expect("write");
    let fifth = seed(&app, &config).await;
    assert_eq!(fifth.invalid, ["zeta.yml: another file has the id `alpha`"]);
    let (_, alpha) = app.client.bearer(&a.token).get("/v1/pipelines/alpha").await;
    assert_eq!(alpha["name"], "Alpha Two");

    // A directory that does not exist changes nothing.
    let missing = seed(&app, &config_for(&dir.join("absent"))).await;
    assert!(!missing.found_dir);
    assert!(updated_at(&app, "alpha").await.is_some());
    fs::remove_dir_all(&dir).expect("clean up");
}

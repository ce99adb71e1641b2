//! A runtime's stdout and stderr as the step's logs: capped in Redis, the tail kept in memory,
//! each line tagged with its step attempt.

use shared_schemas::ids::{RunId, TenantId};

use crate::{harness, log_lines, scratch, script, start_request};

#[tokio::test]
async fn the_log_stream_is_capped_and_the_last_lines_are_kept_in_memory() {
    let dir = scratch();
    let bin = script(&dir, "chatty", "seq 1 3000");
    let h = harness(
        |c| {
            c.agent_runtime_bin = Some(bin);
            c.runtime_log_maxlen = 100;
            c.runtime_log_memory_lines = 20;
        },
        None,
    )
    .await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let handle =
        h.rt.start(start_request(&tenant, &run))
            .await
            .expect("start");
    h.rt.backend().wait(&handle).await.expect("wait");
    let len: usize = redis::cmd("XLEN")
        .arg(h.keys.run_logs(&tenant, &run))
        .query_async(&mut h.redis.clone())
        .await
        .expect("xlen");
    // MAXLEN ~ trims whole nodes (100 entries by default), never below the cap.
    assert!((100..=300).contains(&len), "{len} entries kept");
    let lines = log_lines(&h, &tenant, &run).await;
    assert_eq!(lines.last().map(String::as_str), Some("3000"));
    let tail = h.rt.backend().logs(&handle, 5).await.expect("logs");
    let tail: Vec<&str> = tail.iter().map(|l| l.line.as_str()).collect();
    assert_eq!(tail, ["2996", "2997", "2998", "2999", "3000"]);
    assert!(
        h.rt.backend()
            .logs(&handle, 1000)
            .await
            .expect("logs")
            .len()
            <= 20
    );
    h.rt.stop(&run).await.expect("stop");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn every_log_line_names_the_step_attempt_it_came_from() {
    let dir = scratch();
    let bin = script(&dir, "talker", "echo first; echo second >&2");
    let h = harness(|c| c.agent_runtime_bin = Some(bin), None).await;
    let (tenant, run) = (TenantId::generate(), RunId::generate());
    let handle =
        h.rt.start(start_request(&tenant, &run))
            .await
            .expect("start");
    h.rt.backend().wait(&handle).await.expect("wait");
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(h.keys.run_logs(&tenant, &run))
        .arg("-")
        .arg("+")
        .query_async(&mut h.redis.clone())
        .await
        .expect("xrange");
    assert_eq!(reply.ids.len(), 2);
    for entry in &reply.ids {
        // start_request asks for attempt 1 of step `build`.
        assert_eq!(entry.get::<String>("stepId").as_deref(), Some("build"));
        assert_eq!(entry.get::<i32>("attempt"), Some(1));
    }
    h.rt.stop(&run).await.expect("stop");
    let _ = std::fs::remove_dir_all(dir);
}

//! Ready tasks through the API: the filters, the agent's tasks in flight, and a property test
//! over a random 500-task DAG against a reference computation (plus refused back edges).

use std::collections::{HashMap, HashSet};

use kit::testing::Method;
use serde_json::{Value, json as j};

use crate::graph_support::{depend, deps_path, edge_count, events, set_task};
use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};

fn ids(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn ready_tasks_are_those_whose_blockers_are_done() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let done = task_row(&app, &a, &p, &cols[3], "Done", "done").await;
    let next = task_row(&app, &a, &p, &cols[0], "Next", "backlog").await;
    let later = task_row(&app, &a, &p, &cols[0], "Later", "backlog").await;
    let informed = task_row(&app, &a, &p, &cols[1], "Informed", "ready").await;
    let failed = task_row(&app, &a, &p, &cols[0], "Failed", "failed").await;
    let busy = task_row(&app, &a, &p, &cols[2], "Busy", "in_progress").await;
    let theirs = task_row(&app, &a, &p, &cols[0], "Theirs", "backlog").await;
    let bug = task_row(&app, &a, &p, &cols[0], "Bug", "backlog").await;
    depend(&app, &a, &p, &done, &next).await;
    depend(&app, &a, &p, &next, &later).await;
    depend(&app, &a, &p, &busy, &theirs).await;
    let (status, _) = send(
        &app,
        "POST",
        &deps_path(&p, &informed),
        &a.token,
        Some(j!({ "fromTaskId": later, "type": "informs" })),
    )
    .await;
    assert_eq!(status, 201);
    set_task(
        &app,
        &next,
        "priority = 'P0', description = 'the next step', tags = '[\"api\"]'",
    )
    .await;
    set_task(&app, &busy, "assigned_agent = 'finn'").await;
    set_task(
        &app,
        &bug,
        "work_type = 'bugfix', assigned_agent = 'yukihiro'",
    )
    .await;
    set_task(&app, &failed, "priority = 'P0'").await;

    let url = format!("/v1/projects/{p}/ready-tasks");
    let (status, body) = send(&app, "GET", &url, &a.token, None).await;
    assert_eq!(status, 200, "{body}");
    // P0 first; `informs` does not block; done, failed, in-progress and blocked tasks are out.
    assert_eq!(ids(&body, "tasks")[0], next);
    let got: HashSet<String> = ids(&body, "tasks").into_iter().collect();
    let want: HashSet<String> = [&next, &informed, &bug].into_iter().cloned().collect();
    assert_eq!(got, want);
    assert_eq!(body["in_progress"], j!([]));
    let first = &body["tasks"][0];
    assert_eq!(first["description"], "the next step");
    assert_eq!(first["tags"], j!(["api"]));
    assert_eq!(first["completed_stages"], j!([]));
    assert_eq!(
        first["blocking_tasks"],
        j!([{ "id": later, "title": "Later", "status": "backlog" }])
    );

    let (_, body) = send(
        &app,
        "GET",
        &format!("{url}?agent_id=finn&limit=1"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(ids(&body, "tasks"), vec![next.clone()]);
    assert_eq!(
        body["in_progress"],
        j!([{ "id": busy, "title": "Busy", "status": "in_progress", "priority": "P2",
              "blocks": [{ "id": theirs, "title": "Theirs", "status": "backlog" }] }])
    );
    let body = app
        .client
        .setup(Method::GET, &format!("{url}?agent_id=finn"), &a.token, None)
        .await;
    assert!(
        !ids(&body, "tasks").contains(&bug),
        "assigned to someone else"
    );
    let (_, body) = send(
        &app,
        "GET",
        &format!("{url}?work_types=feature"),
        &a.token,
        None,
    )
    .await;
    assert!(!ids(&body, "tasks").contains(&bug));
    assert!(
        ids(&body, "tasks").contains(&next),
        "no work type matches any"
    );
    let (_, body) = send(
        &app,
        "GET",
        &format!("{url}?statuses=ready,%20done,failed"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(ids(&body, "tasks"), vec![informed.clone()]);

    let too_many = format!("statuses={}", "s,".repeat(30));
    for bad in [
        "limit=0",
        "limit=1001",
        "limit=x",
        "agent_id=",
        "colour=red",
        &too_many,
    ] {
        let (status, body) = send(&app, "GET", &format!("{url}?{bad}"), &a.token, None).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    let (status, body) = send(
        &app,
        "GET",
        "/v1/projects/prj_nope/ready-tasks",
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 404, "project_not_found");
}

/// SplitMix64, seeded, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).expect("n")).expect("index")
    }
}

#[tokio::test]
async fn a_random_500_task_dag_agrees_with_a_reference_and_refuses_every_back_edge() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Big").await;
    let seed = 20_261_122;
    let mut rng = Rng(seed);
    let n = 500;
    // Each task depends on up to three earlier ones (by index): acyclic by construction.
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, list) in preds.iter_mut().enumerate().skip(1) {
        for _ in 0..rng.below(4) {
            let d = rng.below(i);
            if !list.contains(&d) {
                list.push(d);
            }
        }
    }
    let priorities = ["P0", "P1", "P2", "P3"];
    let tasks: Vec<Value> = (0..n)
        .map(|i| j!({ "title": format!("task {i}"), "priority": priorities[rng.below(4)], "dependsOn": preds[i] }))
        .collect();
    let (status, imported) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/import"),
        &a.token,
        Some(j!({ "tasks": tasks })),
    )
    .await;
    assert_eq!(status, 201, "{imported}");
    let ids: Vec<String> = imported["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("id").to_owned())
        .collect();
    let edge_total: usize = preds.iter().map(Vec::len).sum();
    assert_eq!(imported["dependencies_created"], j!(edge_total));

    // Mark a random 40% done, straight in the database.
    let done: Vec<bool> = (0..n).map(|_| rng.below(100) < 40).collect();
    let done_ids: Vec<&String> = ids
        .iter()
        .zip(&done)
        .filter(|(_, d)| **d)
        .map(|(id, _)| id)
        .collect();
    sqlx::query("update project.tasks set status = 'done', completed_at = 1 where id = any($1)")
        .bind(&done_ids)
        .execute(&app.db.admin)
        .await
        .expect("mark done");

    let want: HashSet<&String> = (0..n)
        .filter(|&i| !done[i] && preds[i].iter().all(|&d| done[d]))
        .map(|i| &ids[i])
        .collect();
    let (status, body) = send(
        &app,
        "GET",
        &format!("/v1/projects/{p}/ready-tasks?limit=1000"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let got = crate::ready_tasks::ids(&body, "tasks");
    assert_eq!(got.iter().collect::<HashSet<_>>(), want, "seed {seed}");
    assert_eq!(got.len(), want.len(), "no duplicates");
    let rank: Vec<&str> = body["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["priority"].as_str().expect("p"))
        .collect();
    assert!(rank.windows(2).all(|w| w[0] <= w[1]), "ordered by priority");

    // The graph's order puts every task after its blockers.
    let (_, graph) = send(
        &app,
        "GET",
        &format!("/v1/projects/{p}/dependency-graph"),
        &a.token,
        None,
    )
    .await;
    let position: HashMap<&str, usize> = graph["topological_order"]
        .as_array()
        .expect("order")
        .iter()
        .enumerate()
        .map(|(k, id)| (id.as_str().expect("id"), k))
        .collect();
    assert_eq!(position.len(), n);
    for (i, list) in preds.iter().enumerate() {
        for &d in list {
            assert!(position[ids[d].as_str()] < position[ids[i].as_str()]);
        }
    }

    // Back edges: walk forward from a task along its dependents; an edge from the end of the
    // walk back to its start closes a cycle and must be refused.
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, list) in preds.iter().enumerate() {
        for &d in list {
            succ[d].push(i);
        }
    }
    let mut tried = 0;
    while tried < 30 {
        let start = rng.below(n);
        let mut end = start;
        for _ in 0..1 + rng.below(6) {
            if succ[end].is_empty() {
                break;
            }
            end = succ[end][rng.below(succ[end].len())];
        }
        if end == start {
            continue;
        }
        tried += 1;
        let (status, body) = send(
            &app,
            "POST",
            &deps_path(&p, &ids[start]),
            &a.token,
            Some(j!({ "fromTaskId": ids[end] })),
        )
        .await;
        assert_error(status, &body, 409, "dependency_cycle");
        let cycle = body["cycle"].as_array().expect("cycle");
        assert_eq!(cycle.first(), Some(&j!(ids[end])));
        assert_eq!(cycle.get(1), Some(&j!(ids[start])));
        assert_eq!(cycle.last(), Some(&j!(ids[end])));
    }
    assert_eq!(
        edge_count(&app, &p).await,
        i64::try_from(edge_total).expect("count")
    );
    assert!(events(&app, &a, "DEPENDENCY_ADDED").await.is_empty());
    // A forward edge between unrelated tasks is still accepted afterwards.
    let (x, y) = (0..n)
        .flat_map(|x| (x + 1..n).map(move |y| (x, y)))
        .find(|&(x, y)| !preds[y].contains(&x) && preds[x].is_empty() && preds[y].is_empty())
        .expect("two roots");
    depend(&app, &a, &p, &ids[x], &ids[y]).await;
}

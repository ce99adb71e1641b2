//! Unit tests of the graph functions, and property tests over random graphs (a seeded
//! generator, so a failure names the seed that reproduces it).

use super::*;

/// SplitMix64: enough randomness for graph shapes without another crate.
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
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A random DAG over `n` tasks: a hidden random rank, edges only from lower to higher rank.
fn random_dag(rng: &mut Rng, n: usize, percent: u64) -> (Vec<(usize, usize)>, Vec<usize>) {
    let mut rank: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        rank.swap(i, rng.below(i + 1));
    }
    let mut edges = Vec::new();
    for a in 0..n {
        for b in 0..n {
            if rank[a] < rank[b] && rng.chance(percent) {
                edges.push((a, b));
            }
        }
    }
    (edges, rank)
}

fn is_cycle(edges: &[(usize, usize)], cycle: &[usize]) -> bool {
    cycle.len() >= 2
        && cycle.first() == cycle.last()
        && cycle.windows(2).all(|w| edges.contains(&(w[0], w[1])))
}

fn is_topological(dag: &Dag, order: &[usize]) -> bool {
    let mut pos = vec![usize::MAX; dag.len()];
    for (i, &t) in order.iter().enumerate() {
        pos[t] = i;
    }
    order.len() == dag.len()
        && (0..dag.len()).all(|t| dag.successors(t).iter().all(|&s| pos[t] < pos[s]))
}

#[test]
fn a_self_edge_and_a_reverse_edge_close_cycles() {
    let dag = Dag::new(3, [(0, 1), (1, 2)]);
    assert_eq!(dag.cycle_closed_by(1, 1), Some(vec![1, 1]));
    assert_eq!(dag.cycle_closed_by(2, 0), Some(vec![2, 0, 1, 2]));
    assert_eq!(dag.cycle_closed_by(1, 0), Some(vec![1, 0, 1]));
    assert_eq!(dag.cycle_closed_by(0, 2), None);
}

#[test]
fn topological_order_prefers_low_indexes_and_names_a_cycle() {
    let dag = Dag::new(4, [(2, 0), (3, 1)]);
    assert_eq!(dag.topological_order(), Ok(vec![2, 0, 3, 1]));
    let cyclic = Dag::new(4, [(0, 1), (1, 2), (2, 1), (2, 3)]);
    let cycle = cyclic.topological_order().expect_err("cycle");
    assert!(
        is_cycle(&[(0, 1), (1, 2), (2, 1), (2, 3)], &cycle),
        "{cycle:?}"
    );
}

#[test]
fn critical_path_is_the_heaviest_chain() {
    // 0 → 1 → 3 weighs 1 + 1 + 1; 0 → 2 → 3 weighs 1 + 5 + 1.
    let dag = Dag::new(4, [(0, 1), (0, 2), (1, 3), (2, 3)]);
    let order = dag.topological_order().expect("dag");
    let weights = [1.0, 1.0, 5.0, 1.0];
    assert_eq!(dag.critical_path(&order, |i| weights[i]), vec![0, 2, 3]);
    assert!(Dag::new(0, []).critical_path(&[], |_| 1.0).is_empty());
}

fn facts(status: &str) -> TaskFacts {
    TaskFacts {
        status: status.into(),
        ..TaskFacts::default()
    }
}

fn open_statuses() -> ReadyFilter {
    ReadyFilter {
        statuses: vec!["backlog".into(), "ready".into(), "done".into()],
        ..ReadyFilter::default()
    }
}

#[test]
fn ready_needs_every_blocker_done() {
    let tasks = vec![
        facts("done"),
        facts("backlog"),
        facts("backlog"),
        facts("ready"),
    ];
    let dag = Dag::new(4, [(0, 1), (1, 2), (0, 3)]);
    // 0 is done (never ready), 1 and 3 only wait on 0, 2 waits on 1.
    assert_eq!(ready_tasks(&tasks, &dag, &open_statuses()), vec![1, 3]);
}

#[test]
fn ready_filters_by_agent_work_type_and_hierarchy() {
    let mut tasks = vec![
        facts("backlog"),
        facts("backlog"),
        facts("backlog"),
        facts("backlog"),
    ];
    tasks[0].assigned_agent = Some("finn".into());
    tasks[1].assigned_agent = Some("yukihiro".into());
    tasks[2].work_type = Some("bugfix".into());
    tasks[3].parent = Some(2);
    let none = Dag::new(4, []);
    let mut filter = open_statuses();
    filter.agent_id = Some("finn".into());
    // 2 has a subtask: a container, never picked up itself.
    assert_eq!(ready_tasks(&tasks, &none, &filter), vec![0, 3]);
    filter.agent_id = None;
    filter.work_types = Some(vec!["feature".into()]);
    assert_eq!(ready_tasks(&tasks, &none, &filter), vec![0, 1, 3]);
    // A subtask waits for its parent's blockers.
    tasks.push(facts("backlog"));
    let blocked_parent = Dag::new(5, [(4, 2)]);
    assert_eq!(
        ready_tasks(&tasks, &blocked_parent, &open_statuses()),
        vec![0, 1, 4]
    );
}

#[test]
fn schedule_runs_after_predecessors_and_keeps_done_spans() {
    let dag = Dag::new(3, [(0, 1), (1, 2)]);
    let day = MS_PER_DAY as i64;
    let tasks = [
        ScheduleFacts {
            hours: 4.0,
            done_span: Some((1000, 1000 + 2 * day)),
        },
        ScheduleFacts {
            hours: 8.0,
            done_span: None,
        },
        ScheduleFacts {
            hours: 4.0,
            done_span: None,
        },
    ];
    let slots = schedule(&dag, &[0, 1, 2], &tasks, 0, 8.0);
    assert_eq!(
        (slots[0].start, slots[0].end, slots[0].actual),
        (1000, 1000 + 2 * day, true)
    );
    assert_eq!(slots[0].duration_days, 2.0);
    assert_eq!(
        (slots[1].start, slots[1].end),
        (1000 + 2 * day, 1000 + 3 * day)
    );
    assert_eq!(slots[2].end, 1000 + 3 * day + day / 2);
    assert_eq!(slots[2].duration_days, 0.5);
    assert_eq!(trace_latest(&dag, &slots), vec![0, 1, 2]);
}

#[test]
fn trace_latest_stops_on_a_cycle() {
    let dag = Dag::new(2, [(0, 1), (1, 0)]);
    let tasks = [ScheduleFacts {
        hours: 1.0,
        done_span: None,
    }; 2];
    let slots = schedule(&dag, &[0, 1], &tasks, 0, 8.0);
    assert!(trace_latest(&dag, &slots).len() <= 2);
}

/// Property: in random DAGs, Kahn's order is topological, every edge against it closes a
/// cycle that is really one, and every edge along it closes none.
#[test]
fn random_dags_order_and_refuse_back_edges() {
    for seed in 0..200 {
        let mut rng = Rng(seed);
        let n = 1 + rng.below(40);
        let (edges, _) = random_dag(&mut rng, n, 10);
        let dag = Dag::new(n, edges.iter().copied());
        let order = dag.topological_order().expect("a DAG has an order");
        assert!(is_topological(&dag, &order), "seed {seed}");
        for _ in 0..20 {
            let (a, b) = (rng.below(n), rng.below(n));
            let (early, late) =
                if order.iter().position(|&t| t == a) < order.iter().position(|&t| t == b) {
                    (a, b)
                } else {
                    (b, a)
                };
            let back = dag.cycle_closed_by(late, early);
            let reachable = dag.path(early, late).is_some();
            assert_eq!(back.is_some(), reachable, "seed {seed}: {late}->{early}");
            if let Some(cycle) = back {
                let mut with_new = edges.clone();
                with_new.push((late, early));
                assert!(is_cycle(&with_new, &cycle), "seed {seed}: {cycle:?}");
            }
            if early != late {
                assert_eq!(dag.cycle_closed_by(early, late), None, "seed {seed}");
            }
        }
    }
}

/// Property: ready-tasks equals the definition checked task by task.
#[test]
fn random_ready_sets_match_the_definition() {
    let statuses = ["backlog", "ready", "in_progress", "done", "failed"];
    for seed in 0..200 {
        let mut rng = Rng(1000 + seed);
        let n = 1 + rng.below(60);
        let (edges, _) = random_dag(&mut rng, n, 8);
        let tasks: Vec<TaskFacts> = (0..n).map(|_| facts(statuses[rng.below(5)])).collect();
        let dag = Dag::new(n, edges.iter().copied());
        let filter = ReadyFilter {
            statuses: statuses.iter().map(|s| (*s).to_owned()).collect(),
            ..ReadyFilter::default()
        };
        let want: Vec<usize> = (0..n)
            .filter(|&t| !["done", "failed"].contains(&tasks[t].status.as_str()))
            .filter(|&t| {
                edges
                    .iter()
                    .filter(|e| e.1 == t)
                    .all(|e| tasks[e.0].status == "done")
            })
            .collect();
        assert_eq!(ready_tasks(&tasks, &dag, &filter), want, "seed {seed}");
    }
}

/// Property: the critical path is a real path whose weight is the heaviest of all paths.
#[test]
fn random_critical_paths_are_heaviest() {
    for seed in 0..200 {
        let mut rng = Rng(5000 + seed);
        let n = 1 + rng.below(30);
        let (edges, _) = random_dag(&mut rng, n, 15);
        let weights: Vec<f64> = (0..n).map(|_| (rng.below(8) + 1) as f64).collect();
        let dag = Dag::new(n, edges.iter().copied());
        let order = dag.topological_order().expect("dag");
        let path = dag.critical_path(&order, |i| weights[i]);
        assert!(
            path.windows(2).all(|w| edges.contains(&(w[0], w[1]))),
            "seed {seed}"
        );
        // Heaviest path ending at each task, by the obvious recursion over the order.
        let mut heaviest = vec![0.0_f64; n];
        for &t in &order {
            let before = edges
                .iter()
                .filter(|e| e.1 == t)
                .map(|e| heaviest[e.0])
                .fold(0.0, f64::max);
            heaviest[t] = before + weights[t];
        }
        let best = heaviest.iter().copied().fold(0.0, f64::max);
        let got: f64 = path.iter().map(|&i| weights[i]).sum();
        assert_eq!(got, best, "seed {seed}");
    }
}

/// Property: any graph with a cycle is refused by the order, naming a real cycle.
#[test]
fn random_cyclic_graphs_name_a_cycle() {
    for seed in 0..200 {
        let mut rng = Rng(9000 + seed);
        let n = 2 + rng.below(30);
        let (mut edges, _) = random_dag(&mut rng, n, 10);
        let (a, b) = (rng.below(n), rng.below(n));
        let dag = Dag::new(n, edges.iter().copied());
        let Some(cycle) = dag.cycle_closed_by(a, b) else {
            continue;
        };
        edges.push((a, b));
        let cyclic = Dag::new(n, edges.iter().copied());
        let named = cyclic.topological_order().expect_err("cyclic");
        assert!(
            is_cycle(&edges, &named),
            "seed {seed}: {named:?} (closed {cycle:?})"
        );
    }
}

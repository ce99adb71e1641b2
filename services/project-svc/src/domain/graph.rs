//! The dependency graph of a project's tasks, as pure functions over task indexes: cycle
//! detection, topological order, critical path, which tasks are ready and a forward schedule
//! for the timeline. The store loads tasks in the board's order (priority, then position), so
//! "lowest index first" is the tie-break everywhere and every answer is deterministic.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// Task ids numbered in the order given (the board's order), with the graph of every edge
/// (which must stay acyclic) and of the `blocks` edges alone (which constrain work).
#[derive(Debug, Clone)]
pub struct Indexed {
    pub ids: Vec<String>,
    pub index: HashMap<String, usize>,
    pub all: Dag,
    pub blocks: Dag,
}

impl Indexed {
    /// `edges` are `(from, to, is_blocks)`; an endpoint missing from `task_ids` is numbered
    /// after them, so the edges alone are enough to look for cycles.
    pub fn new<'a>(
        task_ids: impl IntoIterator<Item = &'a str>,
        edges: &[(&'a str, &'a str, bool)],
    ) -> Self {
        let mut ids: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut number = |id: &str| -> usize {
            if let Some(&i) = index.get(id) {
                return i;
            }
            ids.push(id.to_owned());
            index.insert(id.to_owned(), ids.len() - 1);
            ids.len() - 1
        };
        task_ids.into_iter().for_each(|id| {
            number(id);
        });
        let numbered: Vec<(usize, usize, bool)> = edges
            .iter()
            .map(|&(from, to, blocks)| (number(from), number(to), blocks))
            .collect();
        let n = ids.len();
        let all = Dag::new(n, numbered.iter().map(|&(f, t, _)| (f, t)));
        let blocks = Dag::new(n, numbered.iter().filter(|e| e.2).map(|&(f, t, _)| (f, t)));
        Self {
            ids,
            index,
            all,
            blocks,
        }
    }

    pub fn names(&self, path: &[usize]) -> Vec<String> {
        path.iter().map(|&i| self.ids[i].clone()).collect()
    }
}

/// One edge set over tasks `0..n`: `from` must finish before `to`.
#[derive(Debug, Clone)]
pub struct Dag {
    succ: Vec<Vec<usize>>,
    pred: Vec<Vec<usize>>,
}

impl Dag {
    /// Edges naming a task outside `0..n` are ignored (the caller maps ids it knows).
    pub fn new(n: usize, edges: impl IntoIterator<Item = (usize, usize)>) -> Self {
        let mut succ = vec![Vec::new(); n];
        let mut pred = vec![Vec::new(); n];
        for (from, to) in edges {
            if from < n && to < n {
                succ[from].push(to);
                pred[to].push(from);
            }
        }
        for list in succ.iter_mut().chain(pred.iter_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        Self { succ, pred }
    }

    pub fn len(&self) -> usize {
        self.succ.len()
    }

    pub fn is_empty(&self) -> bool {
        self.succ.is_empty()
    }

    pub fn predecessors(&self, task: usize) -> &[usize] {
        &self.pred[task]
    }

    pub fn successors(&self, task: usize) -> &[usize] {
        &self.succ[task]
    }

    /// The shortest path `start → … → goal` along edges, both ends included.
    pub fn path(&self, start: usize, goal: usize) -> Option<Vec<usize>> {
        let mut came_from = vec![usize::MAX; self.len()];
        let mut queue = VecDeque::from([start]);
        came_from[start] = start;
        while let Some(node) = queue.pop_front() {
            if node == goal {
                let mut path = vec![goal];
                let mut at = goal;
                while at != start {
                    at = came_from[at];
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            for &next in &self.succ[node] {
                if came_from[next] == usize::MAX {
                    came_from[next] = node;
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// The cycle an edge `from → to` would close, as `[from, to, …, from]`; `None` when the
    /// graph stays acyclic. A self-edge is the cycle `[from, from]`.
    pub fn cycle_closed_by(&self, from: usize, to: usize) -> Option<Vec<usize>> {
        let back = self.path(to, from)?;
        let mut cycle = Vec::with_capacity(back.len() + 1);
        cycle.push(from);
        cycle.extend(back);
        Some(cycle)
    }

    /// Kahn's order, lowest index first among the tasks free at each step. Tasks on a cycle,
    /// and those after one, are left out.
    pub fn kahn(&self) -> Vec<usize> {
        let mut in_degree: Vec<usize> = self.pred.iter().map(Vec::len).collect();
        let mut free: BinaryHeap<Reverse<usize>> = (0..self.len())
            .filter(|&i| in_degree[i] == 0)
            .map(Reverse)
            .collect();
        let mut order = Vec::with_capacity(self.len());
        while let Some(Reverse(node)) = free.pop() {
            order.push(node);
            for &next in &self.succ[node] {
                in_degree[next] -= 1;
                if in_degree[next] == 0 {
                    free.push(Reverse(next));
                }
            }
        }
        order
    }

    /// [`Self::kahn`]'s order of every task, or `Err` with one cycle `[a, b, …, a]`.
    pub fn topological_order(&self) -> Result<Vec<usize>, Vec<usize>> {
        let order = self.kahn();
        if order.len() == self.len() {
            return Ok(order);
        }
        let mut stuck = vec![true; self.len()];
        for &i in &order {
            stuck[i] = false;
        }
        Err(self.some_cycle(&stuck).unwrap_or_default())
    }

    /// A cycle among the tasks Kahn's algorithm could not free: each has a predecessor that is
    /// also stuck, so walking predecessors must revisit a task.
    fn some_cycle(&self, stuck: &[bool]) -> Option<Vec<usize>> {
        let start = (0..self.len()).find(|&i| stuck[i])?;
        let mut seen_at = vec![usize::MAX; self.len()];
        let mut walk = Vec::new();
        let mut at = start;
        while seen_at[at] == usize::MAX {
            seen_at[at] = walk.len();
            walk.push(at);
            at = *self.pred[at].iter().find(|&&p| stuck[p])?;
        }
        // `walk[seen_at[at]..]` follows predecessors; reversed it follows edges.
        let mut cycle: Vec<usize> = walk[seen_at[at]..].iter().rev().copied().collect();
        cycle.rotate_right(1);
        cycle.push(cycle[0]);
        Some(cycle)
    }

    /// The path with the largest total weight, following `order` (a topological order of
    /// the tasks it holds). Ties go to the task earliest in `order`.
    pub fn critical_path(&self, order: &[usize], weight: impl Fn(usize) -> f64) -> Vec<usize> {
        let mut total = vec![f64::NAN; self.len()];
        let mut via = vec![usize::MAX; self.len()];
        let mut best: Option<usize> = None;
        for &node in order {
            let mut here = 0.0;
            for &p in &self.pred[node] {
                // Predecessors are sorted, so on equal totals the lowest index stays.
                if !total[p].is_nan() && (via[node] == usize::MAX || total[p] > here) {
                    here = total[p];
                    via[node] = p;
                }
            }
            total[node] = here + weight(node);
            if best.is_none_or(|b| total[node] > total[b]) {
                best = Some(node);
            }
        }
        let mut path = Vec::new();
        let mut at = best;
        while let Some(node) = at {
            path.push(node);
            at = Some(via[node]).filter(|&p| p != usize::MAX);
        }
        path.reverse();
        path
    }
}

/// What ready-tasks needs to know about one task.
#[derive(Debug, Clone, Default)]
pub struct TaskFacts {
    pub status: String,
    pub parent: Option<usize>,
    pub assigned_agent: Option<String>,
    pub work_type: Option<String>,
}

/// The filters of `GET …/ready-tasks`.
#[derive(Debug, Clone, Default)]
pub struct ReadyFilter {
    pub statuses: Vec<String>,
    pub agent_id: Option<String>,
    pub work_types: Option<Vec<String>>,
}

/// Statuses a task never leaves by being picked up: never "ready".
pub const FINISHED: [&str; 2] = ["done", "failed"];

/// The tasks (in index order) that may start now: a listed status other than done/failed,
/// every `blocks` predecessor done, and for a subtask its parent's predecessors done too (a
/// subtask cannot start before its parent could); tasks with subtasks are containers and
/// never picked up themselves. `blocks` holds only the `blocks` edges.
pub fn ready_tasks(tasks: &[TaskFacts], blocks: &Dag, filter: &ReadyFilter) -> Vec<usize> {
    let done: Vec<bool> = tasks.iter().map(|t| t.status == "done").collect();
    let unblocked = |i: usize| blocks.predecessors(i).iter().all(|&p| done[p]);
    let mut container = vec![false; tasks.len()];
    for parent in tasks.iter().filter_map(|t| t.parent) {
        if let Some(c) = container.get_mut(parent) {
            *c = true;
        }
    }
    (0..tasks.len())
        .filter(|&i| {
            let t = &tasks[i];
            !container[i]
                && !FINISHED.contains(&t.status.as_str())
                && filter.statuses.contains(&t.status)
                && filter.agent_id.as_ref().is_none_or(|agent| {
                    t.assigned_agent.is_none() || t.assigned_agent.as_ref() == Some(agent)
                })
                && filter
                    .work_types
                    .as_ref()
                    .is_none_or(|types| t.work_type.as_ref().is_none_or(|w| types.contains(w)))
                && unblocked(i)
                && t.parent.filter(|&p| p < tasks.len()).is_none_or(unblocked)
        })
        .collect()
}

/// One task's place on the timeline, in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    pub start: i64,
    pub end: i64,
    pub duration_days: f64,
    /// From the task's own history (created → completed) rather than planned.
    pub actual: bool,
}

/// What the timeline needs to know about one task.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleFacts {
    pub hours: f64,
    /// `(created_at, completed_at)` of a task that is done.
    pub done_span: Option<(i64, i64)>,
}

pub const MS_PER_DAY: f64 = 86_400_000.0;

/// Forward scheduling along `order`: a done task keeps its real span; any other starts when
/// its last predecessor ends (or at `project_start`) and lasts `hours / hours_per_day` days.
pub fn schedule(
    dag: &Dag,
    order: &[usize],
    tasks: &[ScheduleFacts],
    project_start: i64,
    hours_per_day: f64,
) -> Vec<Slot> {
    let mut slots = vec![
        Slot {
            start: project_start,
            end: project_start,
            duration_days: 0.0,
            actual: false,
        };
        tasks.len()
    ];
    for &i in order {
        if let Some((created, completed)) = tasks[i].done_span {
            let end = completed.max(created);
            slots[i] = Slot {
                start: created,
                end,
                duration_days: round1((end - created) as f64 / MS_PER_DAY),
                actual: true,
            };
            continue;
        }
        let start = dag
            .predecessors(i)
            .iter()
            .map(|&p| slots[p].end)
            .max()
            .unwrap_or(project_start);
        let days = tasks[i].hours / hours_per_day;
        slots[i] = Slot {
            start,
            end: start.saturating_add((days * MS_PER_DAY).round() as i64),
            duration_days: round1(days),
            actual: false,
        };
    }
    slots
}

/// The timeline's critical path: from the task that ends last, back through the predecessor
/// that ends last, to a task with none.
pub fn trace_latest(dag: &Dag, slots: &[Slot]) -> Vec<usize> {
    let latest = |candidates: &mut dyn Iterator<Item = usize>| {
        candidates.fold(None, |best: Option<usize>, i| match best {
            Some(b) if slots[b].end >= slots[i].end => Some(b),
            _ => Some(i),
        })
    };
    let mut path = Vec::new();
    let mut on_path = vec![false; slots.len()];
    let mut at = latest(&mut (0..slots.len()));
    // `on_path` stops the walk should rows written around the API ever form a cycle.
    while let Some(node) = at.filter(|&n| !on_path[n]) {
        on_path[node] = true;
        path.push(node);
        at = latest(&mut dag.predecessors(node).iter().copied());
    }
    path.reverse();
    path
}

/// One decimal, as the reference reports days.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;

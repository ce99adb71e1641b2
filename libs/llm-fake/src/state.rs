//! The fake's memory: reply queues and auto settings per model, and the bounded record of
//! every request. One mutex, never held across an await, so concurrent tests only contend
//! for microseconds; each test keeps to its own model name, so they never see each other.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::reply::Reply;

/// The model name whose queue and auto settings serve every model that has none of its own.
pub const ANY_MODEL: &str = "*";

/// Bounds that keep a long-running fake (a `make up` demo, a benchmark) from growing without end.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, on the wires and the admin API.
    pub max_body_bytes: usize,
    /// Most replies waiting in one model's queue.
    pub max_queue: usize,
    /// Most models with a queue or auto settings at once.
    pub max_models: usize,
    /// Most requests kept in the record, over all models; the oldest go first.
    pub max_recorded: usize,
    /// Most body bytes kept in the record, over all models; the oldest go first.
    pub max_recorded_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 8 << 20,
            max_queue: 1024,
            max_models: 10_000,
            max_recorded: 10_000,
            max_recorded_bytes: 256 << 20,
        }
    }
}

/// Which protocol a request spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    Openai,
    Anthropic,
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    pub wire: Wire,
    pub path: String,
    /// The headers that matter to a client test (lower-case names), the API key included.
    pub headers: BTreeMap<String, String>,
    pub model: String,
    pub body: Value,
    /// Epoch milliseconds when the request arrived.
    pub at_ms: u64,
    /// The status the fake answered with.
    pub status: u16,
}

/// What an empty queue answers: the `complete` call's outputs and the structured value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoConfig {
    /// The `outputs` of the automatic `complete` call.
    pub outputs: Map<String, Value>,
    /// The value of an automatic structured (`json_schema`) answer.
    pub json: Value,
}

impl Default for AutoConfig {
    fn default() -> Self {
        Self {
            outputs: Map::new(),
            json: Value::Object(Map::new()),
        }
    }
}

/// Why a script or auto setting was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptError {
    EmptyModel,
    InvalidReply { index: usize, reason: String },
    QueueFull { max: usize },
    TooManyModels { max: usize },
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::EmptyModel => write!(f, "model must not be empty"),
            Self::InvalidReply { index, reason } => write!(f, "replies[{index}]: {reason}"),
            Self::QueueFull { max } => write!(f, "a model's queue holds at most {max} replies"),
            Self::TooManyModels { max } => {
                write!(f, "at most {max} models can be scripted at once")
            }
        }
    }
}

impl std::error::Error for ScriptError {}

#[derive(Default)]
struct Inner {
    queues: HashMap<String, VecDeque<Reply>>,
    auto: HashMap<String, AutoConfig>,
    recorded: HashMap<String, VecDeque<Recorded>>,
    /// The model and body size of each recorded request, oldest first, to evict across
    /// models in arrival order.
    order: VecDeque<(String, usize)>,
    recorded_bytes: usize,
}

/// Shared by the handlers and the [`crate::LlmFake`] handle.
#[derive(Clone)]
pub struct FakeState {
    inner: Arc<Mutex<Inner>>,
    ids: Arc<AtomicU64>,
    limits: Limits,
}

impl FakeState {
    pub fn new(limits: Limits) -> Self {
        Self {
            inner: Arc::default(),
            ids: Arc::default(),
            limits,
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain collections behind, still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A number for ids unique within this fake (`chatcmpl-7`, `toolu_fake_8`).
    pub(crate) fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Appends replies to `model`'s queue; answers the queue's new length.
    pub fn push_script(&self, model: &str, replies: Vec<Reply>) -> Result<usize, ScriptError> {
        if model.is_empty() {
            return Err(ScriptError::EmptyModel);
        }
        for (index, reply) in replies.iter().enumerate() {
            reply
                .check()
                .map_err(|reason| ScriptError::InvalidReply { index, reason })?;
        }
        let max = self.limits.max_queue;
        let mut inner = self.lock();
        let known = inner.queues.contains_key(model) || inner.auto.contains_key(model);
        if !known && model_count(&inner) >= self.limits.max_models {
            return Err(ScriptError::TooManyModels {
                max: self.limits.max_models,
            });
        }
        let queue = inner.queues.entry(model.to_owned()).or_default();
        if queue.len() + replies.len() > max {
            if queue.is_empty() {
                inner.queues.remove(model);
            }
            return Err(ScriptError::QueueFull { max });
        }
        queue.extend(replies);
        Ok(queue.len())
    }

    /// Forgets `model`'s queue and auto settings; answers how many replies were dropped.
    pub fn clear_script(&self, model: &str) -> usize {
        let mut inner = self.lock();
        inner.auto.remove(model);
        inner.queues.remove(model).map_or(0, |queue| queue.len())
    }

    /// Replaces the parts of `model`'s auto settings that are given.
    pub fn set_auto(
        &self,
        model: &str,
        outputs: Option<Map<String, Value>>,
        json: Option<Value>,
    ) -> Result<AutoConfig, ScriptError> {
        if model.is_empty() {
            return Err(ScriptError::EmptyModel);
        }
        let mut inner = self.lock();
        let known = inner.queues.contains_key(model) || inner.auto.contains_key(model);
        if !known && model_count(&inner) >= self.limits.max_models {
            return Err(ScriptError::TooManyModels {
                max: self.limits.max_models,
            });
        }
        let config = inner.auto.entry(model.to_owned()).or_default();
        if let Some(outputs) = outputs {
            config.outputs = outputs;
        }
        if let Some(json) = json {
            config.json = json;
        }
        Ok(config.clone())
    }

    /// The next scripted reply for `model`, else the next one of the `*` queue.
    pub(crate) fn next_reply(&self, model: &str) -> Option<Reply> {
        let mut inner = self.lock();
        [model, ANY_MODEL].into_iter().find_map(|name| {
            let queue = inner.queues.get_mut(name)?;
            let reply = queue.pop_front();
            if queue.is_empty() {
                inner.queues.remove(name);
            }
            reply
        })
    }

    /// `model`'s auto settings, else those of `*`, else the defaults.
    pub(crate) fn auto_config(&self, model: &str) -> AutoConfig {
        let inner = self.lock();
        inner
            .auto
            .get(model)
            .or_else(|| inner.auto.get(ANY_MODEL))
            .cloned()
            .unwrap_or_default()
    }

    /// Keeps `entry`, whose body took `size` bytes on the wire, evicting the oldest entries
    /// past the limits (the newest one is always kept).
    pub(crate) fn record(&self, entry: Recorded, size: usize) {
        let mut inner = self.lock();
        inner.order.push_back((entry.model.clone(), size));
        inner.recorded_bytes += size;
        inner
            .recorded
            .entry(entry.model.clone())
            .or_default()
            .push_back(entry);
        while inner.order.len() > 1
            && (inner.order.len() > self.limits.max_recorded
                || inner.recorded_bytes > self.limits.max_recorded_bytes)
        {
            let Some((oldest, size)) = inner.order.pop_front() else {
                break;
            };
            inner.recorded_bytes -= size;
            if let Some(list) = inner.recorded.get_mut(&oldest) {
                list.pop_front();
                if list.is_empty() {
                    inner.recorded.remove(&oldest);
                }
            }
        }
    }

    /// The requests recorded for `model`, oldest first.
    pub fn requests(&self, model: &str) -> Vec<Recorded> {
        self.lock()
            .recorded
            .get(model)
            .map(|list| list.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets `model`'s recorded requests; answers how many there were.
    pub fn clear_requests(&self, model: &str) -> usize {
        let mut inner = self.lock();
        let removed = inner.recorded.remove(model).map_or(0, |list| list.len());
        if removed > 0 {
            inner.order.retain(|(name, _)| name != model);
            inner.recorded_bytes = inner.order.iter().map(|(_, size)| size).sum();
        }
        removed
    }
}

fn model_count(inner: &Inner) -> usize {
    inner.queues.len()
        + inner
            .auto
            .keys()
            .filter(|name| !inner.queues.contains_key(*name))
            .count()
}

pub(crate) fn now_ms() -> u64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

//! Reads of one stream on the shared connection: replay pages, its ends, what was trimmed.
//! The blocking live reads run on the hub's own connections (`workers::hub`).

use std::collections::HashMap;

use redis::aio::ConnectionManager;
use redis::streams::{StreamId, StreamRangeReply};
use redis::{FromRedisValue, Value as RedisValue};
use serde_json::{Map, Value};

use crate::domain::cursor::{EntryId, Kept};
use crate::domain::shape::Entry;

/// The JSON of an entry: its `data` field (what `bus::publish` writes), or the flat fields of
/// a log stream (`line, level, ts, …`) as one object.
pub fn entry_from(raw: &StreamId) -> Option<Entry> {
    let id = EntryId::parse(&raw.id)?;
    if let Some(data) = raw.map.get(bus::publish::DATA_FIELD) {
        let text = String::from_redis_value_ref(data).ok()?;
        let json = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()));
        return Some(Entry { id, text, json });
    }
    let mut fields: Vec<(&String, &RedisValue)> = raw.map.iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let mut object = Map::new();
    for (name, value) in fields {
        if let Ok(text) = String::from_redis_value_ref(value) {
            object.insert(name.clone(), Value::String(text));
        }
    }
    let json = Value::Object(object);
    Some(Entry {
        id,
        text: json.to_string(),
        json,
    })
}

fn entries(reply: StreamRangeReply) -> Vec<Entry> {
    reply.ids.iter().filter_map(entry_from).collect()
}

pub async fn exists(conn: &ConnectionManager, key: &str) -> redis::RedisResult<bool> {
    redis::cmd("EXISTS")
        .arg(key)
        .query_async(&mut conn.clone())
        .await
}

pub async fn get(conn: &ConnectionManager, key: &str) -> redis::RedisResult<Option<String>> {
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut conn.clone())
        .await
}

/// Up to `count` entries after `after` (exclusive), oldest first.
pub async fn after(
    conn: &ConnectionManager,
    key: &str,
    after: EntryId,
    count: usize,
) -> redis::RedisResult<Vec<Entry>> {
    let start = if after == EntryId::ZERO {
        "-".to_owned()
    } else {
        format!("({after}")
    };
    let reply: StreamRangeReply = redis::cmd("XRANGE")
        .arg(key)
        .arg(start)
        .arg("+")
        .arg("COUNT")
        .arg(count)
        .query_async(&mut conn.clone())
        .await?;
    Ok(entries(reply))
}

/// Up to `count` entries before `before` (exclusive; `None` = from the newest), newest first.
pub async fn before(
    conn: &ConnectionManager,
    key: &str,
    before: Option<EntryId>,
    count: usize,
) -> redis::RedisResult<Vec<Entry>> {
    let end = before.map_or_else(|| "+".to_owned(), |id| format!("({id}"));
    let reply: StreamRangeReply = redis::cmd("XREVRANGE")
        .arg(key)
        .arg(end)
        .arg("-")
        .arg("COUNT")
        .arg(count)
        .query_async(&mut conn.clone())
        .await?;
    Ok(entries(reply))
}

/// The newest entry id (`0-0` for an empty or missing stream).
pub async fn last_id(conn: &ConnectionManager, key: &str) -> redis::RedisResult<EntryId> {
    let reply: StreamRangeReply = redis::cmd("XREVRANGE")
        .arg(key)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(&mut conn.clone())
        .await?;
    Ok(reply
        .ids
        .first()
        .and_then(|e| EntryId::parse(&e.id))
        .unwrap_or(EntryId::ZERO))
}

/// What the stream still holds (all defaults when it does not exist: nothing was lost).
pub async fn retention(conn: &ConnectionManager, key: &str) -> redis::RedisResult<Kept> {
    let reply: redis::RedisResult<HashMap<String, RedisValue>> = redis::cmd("XINFO")
        .arg("STREAM")
        .arg(key)
        .query_async(&mut conn.clone())
        .await;
    let info = match reply {
        Ok(info) => info,
        // "ERR no such key": nothing was lost from a stream that is not there.
        Err(err) if err.code() == Some("ERR") => return Ok(Kept::default()),
        Err(err) => return Err(err),
    };
    let id_of = |name: &str| {
        info.get(name)
            .and_then(|v| String::from_redis_value_ref(v).ok())
            .and_then(|s| EntryId::parse(&s))
            .unwrap_or(EntryId::ZERO)
    };
    let number = |name: &str| {
        info.get(name)
            .and_then(|v| i64::from_redis_value_ref(v).ok())
            .unwrap_or(0)
    };
    let first = info
        .get("first-entry")
        .and_then(|v| match v {
            RedisValue::Array(items) => items.first(),
            _ => None,
        })
        .and_then(|id| String::from_redis_value_ref(id).ok())
        .and_then(|id| EntryId::parse(&id));
    Ok(Kept {
        first,
        last_generated: id_of("last-generated-id"),
        max_deleted: id_of("max-deleted-entry-id"),
        lost_some: number("entries-added") > number("length"),
    })
}

use std::collections::HashMap;

use redis::Value;
use redis::streams::StreamId;
use serde::de::DeserializeOwned;

use crate::BusError;
use crate::publish::DATA_FIELD;

/// One entry of a Redis stream as a handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    pub id: String,
    pub fields: HashMap<String, String>,
}

impl StreamEntry {
    /// The raw JSON written by [`crate::Publisher`].
    pub fn data(&self) -> Option<&str> {
        self.fields.get(DATA_FIELD).map(String::as_str)
    }

    /// Deserializes the `data` field.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, BusError> {
        let data = self.data().ok_or_else(|| BusError::MissingField {
            id: self.id.clone(),
            field: DATA_FIELD,
        })?;
        Ok(serde_json::from_str(data)?)
    }

    /// Field values are decoded lossily: a foreign writer's bytes that are not UTF-8 must not
    /// wedge the whole batch, and the handler can still reject the entry.
    pub(crate) fn from_redis(raw: StreamId) -> Self {
        let fields = raw
            .map
            .into_iter()
            .map(|(name, value)| (name, text(value)))
            .collect();
        Self { id: raw.id, fields }
    }
}

fn text(value: Value) -> String {
    match value {
        Value::BulkString(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Value::SimpleString(s) => s,
        Value::Int(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

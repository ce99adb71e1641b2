//! The envelope every event travels in, and the two ways to read one: fully typed
//! (`EventEnvelope`) or by its header only (`RawEnvelope`), so that a consumer built before an
//! event type existed can skip it instead of failing.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::kind::Event;
use crate::ids::{EventId, RunId, TenantId};

/// One event as it sits in a stream entry's `data` field: a single flat JSON object with the
/// header (`id`, `type`, `tenantId`, `runId`, `timestamp`) and the payload fields side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", try_from = "RawEnvelope")]
pub struct EventEnvelope {
    pub id: EventId,
    pub tenant_id: TenantId,
    /// The run the event concerns; absent for events that are not about one run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<RunId>,
    /// Milliseconds since the Unix epoch, set by the publisher.
    pub timestamp: i64,
    #[serde(flatten)]
    pub event: Event,
}

impl EventEnvelope {
    /// Wraps `event` with a fresh id and the current time.
    pub fn new(tenant_id: TenantId, run_id: Option<RunId>, event: Event) -> Self {
        Self {
            id: EventId::generate(),
            tenant_id,
            run_id,
            timestamp: now_millis(),
            event,
        }
    }

    pub fn type_name(&self) -> &'static str {
        self.event.type_name()
    }

    /// Parses a typed envelope; unknown types are an error here (see [`decode`] to skip them).
    pub fn from_json(data: &str) -> Result<Self, EventError> {
        RawEnvelope::from_json(data)?.into_event()
    }
}

/// An envelope read without interpreting its payload: enough to route, log, dead-letter or skip
/// an entry of a type this build does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawEnvelope {
    pub id: EventId,
    #[serde(rename = "type")]
    pub event_type: String,
    pub tenant_id: TenantId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<RunId>,
    pub timestamp: i64,
    /// Every other field of the object, uninterpreted.
    #[serde(flatten)]
    pub payload: BTreeMap<String, Value>,
}

impl RawEnvelope {
    /// Parses the header; fails only when the object is not an envelope at all.
    pub fn from_json(data: &str) -> Result<Self, EventError> {
        serde_json::from_str(data).map_err(|e| EventError::Malformed(e.to_string()))
    }

    pub fn is_known_type(&self) -> bool {
        Event::is_known_type(&self.event_type)
    }

    /// Interprets the payload according to `type`.
    pub fn into_event(self) -> Result<EventEnvelope, EventError> {
        if !self.is_known_type() {
            return Err(EventError::UnknownType(self.event_type));
        }
        let mut object: serde_json::Map<String, Value> = self.payload.into_iter().collect();
        object.insert("type".to_owned(), Value::String(self.event_type.clone()));
        let event =
            serde_json::from_value(Value::Object(object)).map_err(|e| EventError::BadPayload {
                event_type: self.event_type,
                message: e.to_string(),
            })?;
        Ok(EventEnvelope {
            id: self.id,
            tenant_id: self.tenant_id,
            run_id: self.run_id,
            timestamp: self.timestamp,
            event,
        })
    }
}

impl TryFrom<RawEnvelope> for EventEnvelope {
    type Error = EventError;

    fn try_from(raw: RawEnvelope) -> Result<Self, Self::Error> {
        raw.into_event()
    }
}

/// Why an entry could not be read as an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not JSON, or a header field (`id`, `type`, `tenantId`, `runId`, `timestamp`) is missing or
    /// invalid.
    #[error("not an event envelope: {0}")]
    Malformed(String),
    /// A `type` this build does not know: skip it, a newer producer sent it.
    #[error("unknown event type `{0}`")]
    UnknownType(String),
    /// A known `type` whose payload does not match its schema: a producer bug, dead-letter it.
    #[error("event `{event_type}` has a bad payload: {message}")]
    BadPayload { event_type: String, message: String },
}

/// The outcome of reading an entry when unknown types are to be skipped rather than refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    Known(EventEnvelope),
    Unknown(RawEnvelope),
}

/// Reads an entry's `data`: a typed event, or the raw envelope of an unknown type. Malformed
/// envelopes and bad payloads of known types are errors.
pub fn decode(data: &str) -> Result<Decoded, EventError> {
    let raw = RawEnvelope::from_json(data)?;
    if raw.is_known_type() {
        raw.into_event().map(Decoded::Known)
    } else {
        Ok(Decoded::Unknown(raw))
    }
}

fn now_millis() -> i64 {
    // A clock before 1970 is a broken host; 0 keeps the event readable rather than failing.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::run::RunFailed;

    fn failed() -> Event {
        Event::RunFailed(RunFailed {
            error: "boom".into(),
        })
    }

    #[test]
    fn new_fills_a_fresh_id_and_the_current_time() {
        let tenant = TenantId::generate();
        let first = EventEnvelope::new(tenant.clone(), None, failed());
        let second = EventEnvelope::new(tenant, None, failed());
        assert_ne!(first.id, second.id);
        assert!(first.timestamp > 1_700_000_000_000);
        assert_eq!(first.type_name(), "RUN_FAILED");
    }

    #[test]
    fn text_that_is_not_json_is_malformed() {
        assert!(matches!(decode("not json"), Err(EventError::Malformed(_))));
        assert!(matches!(decode("[1, 2]"), Err(EventError::Malformed(_))));
    }

    #[test]
    fn raw_envelope_converts_back_to_the_same_event() {
        let envelope = EventEnvelope::new(TenantId::generate(), Some(RunId::generate()), failed());
        let text = serde_json::to_string(&envelope).expect("serializes");
        let raw = RawEnvelope::from_json(&text).expect("header parses");
        assert!(raw.is_known_type());
        assert_eq!(raw.payload.len(), 1, "only the payload field is left over");
        assert_eq!(raw.into_event(), Ok(envelope));
    }
}

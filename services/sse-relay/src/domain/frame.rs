//! The `text/event-stream` wire format (WHATWG HTML §9.2).

use bytes::Bytes;

use super::cursor::EntryId;

/// One SSE frame: optional `id:` (the Redis entry id, what the client resumes from), optional
/// `event:` name (unnamed frames reach `EventSource.onmessage`), and the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub id: Option<EntryId>,
    pub event: Option<&'static str>,
    pub data: String,
}

impl Frame {
    pub fn data(data: impl Into<String>) -> Self {
        Self {
            id: None,
            event: None,
            data: data.into(),
        }
    }

    pub fn named(event: &'static str, data: impl Into<String>) -> Self {
        Self {
            id: None,
            event: Some(event),
            data: data.into(),
        }
    }

    pub fn with_id(mut self, id: EntryId) -> Self {
        self.id = Some(id);
        self
    }

    /// The bytes on the wire. A line break inside the data becomes a second `data:` line (the
    /// client joins them with `\n` again), so stored text can never end a frame early or forge
    /// an `id:` line.
    pub fn encode(&self) -> Bytes {
        let mut out = String::with_capacity(self.data.len() + 48);
        if let Some(id) = self.id {
            out.push_str("id: ");
            out.push_str(&id.to_string());
            out.push('\n');
        }
        if let Some(event) = self.event {
            out.push_str("event: ");
            out.push_str(event);
            out.push('\n');
        }
        for line in self.data.split(['\n', '\r']) {
            out.push_str("data: ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
        Bytes::from(out)
    }
}

/// A comment line (`: ping`): keeps the connection warm, invisible to `EventSource`.
pub fn comment(text: &str) -> Bytes {
    Bytes::from(format!(": {}\n\n", text.replace(['\n', '\r'], " ")))
}

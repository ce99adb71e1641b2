//! Server-sent events, decoded incrementally from the chunks of an HTTP body.

/// One event: its `event:` name (Anthropic names them, OpenAI does not) and its `data:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// Bytes in, whole events out; a partial line waits for the next chunk.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    event: Option<String>,
    data: Vec<String>,
}

impl SseDecoder {
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        while let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
            let raw: Vec<u8> = self.buf.drain(..=end).collect();
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !self.data.is_empty() || self.event.is_some() {
                    out.push(SseEvent {
                        event: self.event.take(),
                        data: std::mem::take(&mut self.data).join("\n"),
                    });
                }
            } else if let Some(value) = line.strip_prefix("data:") {
                self.data
                    .push(value.strip_prefix(' ').unwrap_or(value).to_owned());
            } else if let Some(value) = line.strip_prefix("event:") {
                self.event = Some(value.trim().to_owned());
            }
            // `id:`, `retry:` and `:` comments carry nothing the clients use.
        }
        out
    }

    /// The last event when the body ended without its blank line.
    pub fn finish(&mut self) -> Option<SseEvent> {
        let tail = self.push(b"\n");
        tail.into_iter().next().or_else(|| {
            (!self.data.is_empty()).then(|| SseEvent {
                event: self.event.take(),
                data: std::mem::take(&mut self.data).join("\n"),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_and_crlf() {
        let mut d = SseDecoder::default();
        assert!(d.push(b"event: ping\r\ndata: {\"a\"").is_empty());
        let events = d.push(b":1}\r\n\r\ndata: [DONE]\n\n");
        assert_eq!(
            events,
            vec![
                SseEvent {
                    event: Some("ping".into()),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: None,
                    data: "[DONE]".into()
                }
            ]
        );
        assert!(d.push(b"data: tail").is_empty());
        assert_eq!(d.finish().map(|e| e.data), Some("tail".to_owned()));
    }
}

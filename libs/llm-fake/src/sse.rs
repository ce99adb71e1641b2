//! Response bodies that travel like the real APIs' streams: one write per event, an optional
//! pause between events, and a connection cut after N events when the script says so.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::stream;

/// How a reply's bytes are paced and whether they are cut.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pacing {
    pub between: Duration,
    pub cut_after: Option<usize>,
}

/// An OpenAI-style event: a `data:` line.
pub(crate) fn data(payload: &str) -> Bytes {
    Bytes::from(format!("data: {payload}\n\n"))
}

/// An Anthropic-style event: `event:` then `data:`.
pub(crate) fn event(name: &str, payload: &str) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {payload}\n\n"))
}

/// A `text/event-stream` response sending `events` one by one.
pub(crate) fn stream_response(
    events: Vec<Bytes>,
    pacing: Pacing,
    request_id: (&'static str, &str),
) -> Response {
    let mut response = Response::new(paced(events, pacing));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(request_id.1) {
        headers.insert(request_id.0, value);
    }
    response
}

/// A JSON response; cut before its body when the script cuts after zero or more events.
pub(crate) fn json_response(status: StatusCode, body: Bytes, cut: bool) -> Response {
    let body = if cut {
        paced(
            Vec::new(),
            Pacing {
                between: Duration::ZERO,
                cut_after: Some(0),
            },
        )
    } else {
        Body::from(body)
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The body: each event its own frame; past `cut_after` events an error, on which hyper
/// drops the connection without the chunked terminator, as a dying upstream would.
fn paced(events: Vec<Bytes>, pacing: Pacing) -> Body {
    let steps = stream::unfold(
        (events.into_iter(), 0usize),
        move |(mut rest, sent)| async move {
            if pacing.cut_after == Some(sent) {
                // Let hyper flush what it has written before the connection goes.
                tokio::time::sleep(Duration::from_millis(10)).await;
                let cut = std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "scripted disconnect",
                );
                return Some((Err(cut), (Vec::new().into_iter(), usize::MAX)));
            }
            let next = rest.next()?;
            if sent > 0 && !pacing.between.is_zero() {
                tokio::time::sleep(pacing.between).await;
            }
            Some((Ok(next), (rest, sent + 1)))
        },
    );
    Body::from_stream(steps)
}

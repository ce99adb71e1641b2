//! Redis stream entry ids and the resume point a client asks for.

use std::fmt;

/// A Redis stream entry id `<ms>-<seq>`, ordered as Redis orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EntryId {
    pub ms: u64,
    pub seq: u64,
}

impl EntryId {
    pub const ZERO: Self = Self { ms: 0, seq: 0 };

    /// `123-4`, or `123` (sequence 0) as Redis also accepts.
    pub fn parse(raw: &str) -> Option<Self> {
        let (ms, seq) = match raw.split_once('-') {
            Some((ms, seq)) => (ms, seq),
            None => (raw, "0"),
        };
        let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(ms) || !digits(seq) {
            return None;
        }
        Some(Self {
            ms: ms.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Where a stream starts for a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Everything retained (`since=0`, `0-0`).
    Start,
    /// Only what arrives from now on (`since=$`).
    Live,
    /// Everything after this id (exclusive): the last id the client saw.
    After(EntryId),
}

/// A resume point that is neither an entry id, `0`, `0-0` nor `$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCursor(pub String);

impl Cursor {
    fn parse(raw: &str) -> Result<Self, BadCursor> {
        match raw.trim() {
            "$" => Ok(Self::Live),
            "0" | "0-0" => Ok(Self::Start),
            other => EntryId::parse(other)
                .map(Self::After)
                .ok_or_else(|| BadCursor(other.to_owned())),
        }
    }

    /// The client's resume point: `Last-Event-ID` (what EventSource sends on reconnect) wins
    /// over `?since=`; with neither, the endpoint's `default`.
    pub fn resolve(
        last_event_id: Option<&str>,
        since: Option<&str>,
        default: Self,
    ) -> Result<Self, BadCursor> {
        match (last_event_id.filter(|v| !v.trim().is_empty()), since) {
            (Some(id), _) => Self::parse(id),
            (None, Some(since)) if !since.trim().is_empty() => Self::parse(since),
            _ => Ok(default),
        }
    }
}

/// Whether entries after `after` were trimmed away: Redis reports the highest id it ever
/// deleted from the stream, so a client whose last id is below it missed something.
pub fn missed_by_trim(after: EntryId, max_deleted: EntryId) -> bool {
    after < max_deleted
}

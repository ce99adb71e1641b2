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
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
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

/// What a stream still holds, as `XINFO STREAM` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Kept {
    /// The oldest retained entry.
    pub first: Option<EntryId>,
    /// The id of the newest entry ever added.
    pub last_generated: EntryId,
    /// The highest id removed with `XDEL` (Redis does not count trimming here).
    pub max_deleted: EntryId,
    /// Whether entries were ever removed (more were added than remain).
    pub lost_some: bool,
}

/// Whether a client whose last id is `after` missed entries that are gone: trimming removes the
/// oldest entries, so when the stream lost some, a client behind its oldest retained entry may
/// have missed them (one that saw exactly the last trimmed entry is reset too: it reloads once,
/// which is harmless, where guessing would risk a silent gap).
pub fn missed_by_trim(after: EntryId, kept: Kept) -> bool {
    if after < kept.max_deleted {
        return true;
    }
    if !kept.lost_some {
        return false;
    }
    match kept.first {
        Some(first) => after < first,
        None => after < kept.last_generated,
    }
}

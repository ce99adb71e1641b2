//! Maps a path in the YAML document back to the line and column of its value.
//!
//! serde_norway exposes no spans, but a deserialization error raised while a node is visited
//! carries the parser's mark for that node. So the document is parsed once more with a probe
//! that walks down `path` and fails on purpose at the target node; the location of that error is
//! the node's real position. Searching the text instead could not tell `id: eric` of one agent
//! from the same line text elsewhere, nor handle flow style, anchors or multi-line scalars.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::{DocPath, Segment};

/// Marker messages of the probe; the control character keeps them apart from real messages.
const FOUND: &str = "\u{1}locator: found";
const MISSING: &str = "\u{1}locator: missing";

/// A 1-based position in the YAML text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Position {
    const START: Self = Self { line: 1, column: 1 };
}

/// The position of the value at `path`, or of its closest ancestor that exists (a missing key
/// is reported at the mapping that lacks it).
pub(crate) fn locate(yaml: &str, path: &DocPath) -> Position {
    let mut segments = path.0.as_slice();
    loop {
        if let Some(position) = probe(yaml, segments) {
            return position;
        }
        match segments.split_last() {
            Some((_, parent)) => segments = parent,
            None => return Position::START,
        }
    }
}

fn probe(yaml: &str, segments: &[Segment]) -> Option<Position> {
    let deserializer = serde_norway::Deserializer::from_str(yaml);
    let error = Probe { segments }.deserialize(deserializer).err()?;
    if !error.to_string().contains(FOUND) {
        return None;
    }
    error.location().map(|location| Position {
        line: location.line(),
        column: location.column(),
    })
}

struct Probe<'p> {
    segments: &'p [Segment],
}

impl Probe<'_> {
    fn leaf<E: de::Error>(&self) -> Result<(), E> {
        Err(E::custom(if self.segments.is_empty() {
            FOUND
        } else {
            MISSING
        }))
    }
}

impl<'de> DeserializeSeed<'de> for Probe<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Probe<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.leaf()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.leaf()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.leaf()
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        self.leaf()
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        self.leaf()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.leaf()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.leaf()
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        self.leaf()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.segments.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let Segment::Key(wanted) = first else {
            return Err(de::Error::custom(MISSING));
        };
        while let Some(key) = map.next_key::<serde_norway::Value>()? {
            if key_matches(&key, wanted) {
                return map.next_value_seed(Probe { segments: rest });
            }
            map.next_value::<IgnoredAny>()?;
        }
        Err(de::Error::custom(MISSING))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.segments.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let Segment::Index(wanted) = first else {
            return Err(de::Error::custom(MISSING));
        };
        for _ in 0..*wanted {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Err(de::Error::custom(MISSING));
            }
        }
        match seq.next_element_seed(Probe { segments: rest })? {
            Some(()) => Ok(()),
            None => Err(de::Error::custom(MISSING)),
        }
    }
}

/// Keys are compared as the typed model sees them: scalars by their text.
fn key_matches(key: &serde_norway::Value, wanted: &str) -> bool {
    match key {
        serde_norway::Value::String(text) => text == wanted,
        serde_norway::Value::Number(number) => number.to_string() == wanted,
        serde_norway::Value::Bool(flag) => flag.to_string() == wanted,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
id: demo
agents:
  - id: eric
    name: Eric
  - {id: finn, name: Finn}
steps:
  - id: A
    onResult:
      PASS:
        goto: B
";

    fn at(path: DocPath) -> (usize, usize) {
        let position = locate(DOC, &path);
        (position.line, position.column)
    }

    #[test]
    fn finds_a_scalar_in_a_block_sequence() {
        assert_eq!(at(DocPath::root().key("agents").index(0).key("id")), (3, 9));
    }

    #[test]
    fn finds_a_scalar_in_flow_style() {
        assert_eq!(
            at(DocPath::root().key("agents").index(1).key("name")),
            (5, 22)
        );
    }

    #[test]
    fn finds_a_deeply_nested_value() {
        let path = DocPath::root()
            .key("steps")
            .index(0)
            .key("onResult")
            .key("PASS")
            .key("goto");
        assert_eq!(at(path), (10, 15));
    }

    #[test]
    fn missing_key_falls_back_to_its_mapping() {
        assert_eq!(
            at(DocPath::root().key("steps").index(0).key("agent")),
            (7, 5)
        );
    }

    #[test]
    fn index_past_the_end_falls_back_to_the_sequence() {
        assert_eq!(at(DocPath::root().key("agents").index(9)), (3, 3));
    }

    #[test]
    fn empty_document_falls_back_to_the_start() {
        assert_eq!(locate("", &DocPath::root().key("steps")), Position::START);
    }
}

use serde_json::{Value, json};

use super::cursor::{Cursor, EntryId, Kept, missed_by_trim};
use super::frame::{Frame, comment};
use super::shape::{Addition, Entry, LIFECYCLE, Select, Shape, WORK_LOCKS};

fn id(raw: &str) -> EntryId {
    EntryId::parse(raw).expect("entry id")
}

fn entry(raw_id: &str, json: Value) -> Entry {
    Entry {
        id: id(raw_id),
        text: json.to_string(),
        json,
    }
}

#[test]
fn entry_ids_order_like_redis() {
    assert!(id("1-2") < id("1-10"));
    assert!(id("2-0") > id("1-99"));
    assert_eq!(id("5"), id("5-0"));
    assert_eq!(id("17-3").to_string(), "17-3");
    for bad in [
        "",
        "-",
        "a-1",
        "1-",
        "1-2-3",
        "1 -2",
        "99999999999999999999999-0",
    ] {
        assert_eq!(EntryId::parse(bad), None, "{bad}");
    }
}

#[test]
fn last_event_id_wins_over_since() {
    let r = |l, s| Cursor::resolve(l, s, Cursor::Live);
    assert_eq!(r(Some("5-1"), Some("0")), Ok(Cursor::After(id("5-1"))));
    assert_eq!(r(None, Some("0")), Ok(Cursor::Start));
    assert_eq!(r(None, Some("0-0")), Ok(Cursor::Start));
    assert_eq!(r(None, Some("$")), Ok(Cursor::Live));
    assert_eq!(r(Some(""), Some("7-0")), Ok(Cursor::After(id("7-0"))));
    assert_eq!(
        Cursor::resolve(None, None, Cursor::Start),
        Ok(Cursor::Start)
    );
    assert!(r(Some("nope"), None).is_err());
    assert!(r(None, Some("1-x")).is_err());
}

#[test]
fn a_client_behind_the_trimmed_entries_missed_some() {
    let trimmed = Kept {
        first: Some(id("5-0")),
        last_generated: id("9-0"),
        max_deleted: EntryId::ZERO,
        lost_some: true,
    };
    assert!(missed_by_trim(id("1-0"), trimmed));
    assert!(!missed_by_trim(id("5-0"), trimmed));
    assert!(!missed_by_trim(id("7-0"), trimmed));
    let whole = Kept {
        lost_some: false,
        first: Some(id("1-0")),
        ..trimmed
    };
    assert!(!missed_by_trim(EntryId::ZERO, whole));
    let emptied = Kept {
        first: None,
        ..trimmed
    };
    assert!(missed_by_trim(id("8-0"), emptied));
    assert!(!missed_by_trim(id("9-0"), emptied));
    let deleted = Kept {
        max_deleted: id("8-0"),
        ..trimmed
    };
    assert!(missed_by_trim(id("7-0"), deleted));
}

#[test]
fn frames_keep_data_on_data_lines() {
    let f = Frame::named("message", "{\"a\":1}").with_id(id("3-4"));
    assert_eq!(
        &f.encode()[..],
        b"id: 3-4\nevent: message\ndata: {\"a\":1}\n\n"
    );
    // A line break in stored text cannot end the frame or forge an id line.
    let forged = Frame::data("x\n\nid: 9-9\r\ndata: y").encode();
    let text = String::from_utf8(forged.to_vec()).expect("utf8");
    assert!(!text.contains("\n\n") || text.ends_with("\n\n") && text.matches("\n\n").count() == 1);
    assert!(
        text.lines()
            .all(|l| l.is_empty() || l.starts_with("data: ")),
        "{text}"
    );
    assert_eq!(&comment("ping")[..], b": ping\n\n");
}

#[test]
fn shapes_select_and_rename_like_the_monolith() {
    let lifecycle = Shape::new(None, Select::Types(LIFECYCLE), Addition::None);
    let state = entry(
        "1-0",
        json!({"type": "AGENT_STATE_CHANGED", "agentId": "agt_a"}),
    );
    let other = entry("2-0", json!({"type": "RUN_CREATED"}));
    assert_eq!(
        lifecycle.frame(&state).map(|f| f.data),
        Some(state.text.clone())
    );
    assert_eq!(lifecycle.frame(&other), None);

    let locks = Shape::new(
        None,
        Select::RenamedForAgent(WORK_LOCKS, "agt_a".into()),
        Addition::None,
    );
    let acquired = entry(
        "3-0",
        json!({"type": "WORK_LOCK_ACQUIRED", "agentId": "agt_a", "lockId": "l1"}),
    );
    let theirs = entry(
        "4-0",
        json!({"type": "WORK_LOCK_ACQUIRED", "agentId": "agt_b"}),
    );
    let frame = locks.frame(&acquired).expect("shown");
    let data: Value = serde_json::from_str(&frame.data).expect("json");
    assert_eq!(data["type"], "lock_acquired");
    assert_eq!(data["lockId"], "l1");
    assert_eq!(frame.id, Some(id("3-0")));
    assert_eq!(locks.frame(&theirs), None);

    let activity = Shape::new(None, Select::Agent("agt_a".into()), Addition::LivePhase);
    let message = entry(
        "5-0",
        json!({"type": "AGENT_MESSAGE", "toAgentId": "agt_a"}),
    );
    let data: Value =
        serde_json::from_str(&activity.frame(&message).expect("shown").data).expect("json");
    assert_eq!(data["phase"], "live");

    let chat = Shape::new(None, Select::All, Addition::StreamId);
    let out = entry("6-1", json!({"type": "output", "data": {"content": "hi"}}));
    let data: Value = serde_json::from_str(&chat.frame(&out).expect("shown").data).expect("json");
    assert_eq!(data["stream_id"], "6-1");
}

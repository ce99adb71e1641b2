use super::*;

fn col(name: &str, position: Option<u32>, statuses: &[&str]) -> ColumnDefinition {
    ColumnDefinition {
        name: name.into(),
        position,
        statuses: statuses.iter().map(|s| (*s).to_owned()).collect(),
        wip_limit: None,
    }
}

fn semantics(initial: &[&str], done: &[&str]) -> StatusSemantics {
    StatusSemantics {
        initial: initial.iter().map(|s| (*s).to_owned()).collect(),
        terminal_done: done.iter().map(|s| (*s).to_owned()).collect(),
        ..StatusSemantics::default()
    }
}

fn paths(columns: &[ColumnDefinition], s: &StatusSemantics) -> Vec<String> {
    let mut errors = Vec::new();
    check_board(columns, s, &mut errors);
    errors.into_iter().map(|e| e.path).collect()
}

#[test]
fn columns_follow_their_positions_and_are_renumbered() {
    let cols = normalise_columns(vec![
        col(" Done ", Some(9), &["done"]),
        col("Todo", Some(1), &["todo"]),
        col("Doing", None, &["doing"]),
    ]);
    let names: Vec<_> = cols.iter().map(|c| (c.name.as_str(), c.position)).collect();
    assert_eq!(
        names,
        [("Todo", Some(0)), ("Doing", Some(1)), ("Done", Some(2))]
    );
}

#[test]
fn a_sound_board_passes() {
    let cols = vec![col("Todo", None, &["todo"]), col("Done", None, &["done"])];
    assert!(paths(&cols, &semantics(&["todo"], &["done"])).is_empty());
}

#[test]
fn board_mistakes_name_their_fields() {
    let cols = vec![
        col("Todo", None, &["todo"]),
        col("todo", None, &["todo", "Bad Status"]),
        col("Empty", None, &[]),
    ];
    let got = paths(&cols, &semantics(&["nowhere"], &[]));
    assert_eq!(
        got,
        [
            "columns[1].name",
            "columns[1].statuses[0]",
            "columns[1].statuses[1]",
            "columns[2].statuses",
            "statusSemantics.initial[0]",
            "statusSemantics.terminal_done",
        ]
    );
    assert_eq!(paths(&[], &semantics(&[], &[]))[0], "columns");
    let many: Vec<_> = (0..51)
        .map(|i| col(&format!("c{i}"), None, &[format!("s{i}").as_str()]))
        .collect();
    assert!(paths(&many, &semantics(&["s0"], &["s1"])).contains(&"columns".to_owned()));
}

#[test]
fn copy_slugs_count_up_and_stay_slugs() {
    assert_eq!(copy_slug("research", 1), "research-copy");
    assert_eq!(copy_slug("research", 3), "research-copy-3");
    let long = "a".repeat(128);
    let s = copy_slug(&long, 12);
    assert!(validate::is_slug(&s) && s.ends_with("-copy-12"), "{s}");
}

#[test]
fn a_catalog_file_reads_its_spellings_and_is_checked() {
    let ok = parse_catalog_file(
        "name: T\ncolumns:\n  - name: A\n    taskStatuses: [a]\n    wipLimit: 2\n  - name: B\n    statuses: [b]\nstatusSemantics:\n  initial: [a]\n  terminal_done: [b]\nsortOrder: 5\n",
    )
    .expect("valid");
    assert_eq!(ok.columns[0].wip_limit, Some(2));
    assert_eq!(ok.sort_order, 5);
    let bad = parse_catalog_file("name: T\ncolumns: []\nstatusSemantics: {}\n").expect_err("bad");
    assert!(bad.starts_with("columns"), "{bad}");
    assert!(parse_catalog_file("name: T\nsurprise: 1\n").is_err());
}

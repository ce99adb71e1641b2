use super::*;
use crate::domain::note;

/// A small vault: notes parsed from their text, as the index would hold them.
fn vault(files: &[(&str, &str)]) -> (Vec<NoteNode>, Vec<Link>) {
    let mut notes = Vec::new();
    let mut links = Vec::new();
    for (path, text) in files {
        let parsed = note::parse(path, text);
        links.extend(parsed.links.iter().map(|l| Link {
            src_path: (*path).to_owned(),
            kind: l.kind,
            target: l.target.clone(),
            heading: l.heading.clone(),
            label: l.label.clone(),
        }));
        notes.push(NoteNode {
            path: (*path).to_owned(),
            title: parsed.title,
            category: parsed.category,
            note_type: parsed.note_type,
            tags: parsed.tags,
            aliases: parsed.aliases,
            created_at: 1,
        });
    }
    (notes, links)
}

fn fixture() -> Graph {
    let (notes, links) = vault(&[
        (
            "people/alice.md",
            "---\ntitle: Alice Smith\naliases: [Ali]\ntags: [team]\n---\n\
             Knows [[bob]], [[BOB#Early days|Bobby]], [[Project X]] and [[nobody]].\n\
             ```\n[[InFence]]\n```\nSelf: [[alice]] [[#Top]]\n",
        ),
        (
            "people/bob.md",
            "---\ntype: relationship\n---\n# Bob\nSee [[Ali]] and [[projects/x]].\n",
        ),
        (
            "projects/x.md",
            "---\ntitle: Project X\nrelated: \"[[Alice Smith]]\"\n---\n#team work, `[[Span]]`\n",
        ),
        ("inbox/bob.md", "a second bob: [[Nobody]]"),
    ]);
    build(&notes, &links)
}

fn edge(source: &str, target: &str, kind: &str, label: Option<&str>) -> Edge {
    Edge {
        source: source.to_owned(),
        target: target.to_owned(),
        edge_type: kind.to_owned(),
        label: label.map(str::to_owned),
    }
}

#[test]
fn a_fixture_vault_gives_the_expected_graph() {
    let graph = fixture();
    let want = vec![
        edge("inbox/bob", "unresolved:nobody", "wiki_link", None),
        // `bob` matches two stems: the shorter path wins (inbox/bob.md < people/bob.md by length).
        edge("people/alice", "inbox/bob", "wiki_link", None),
        edge("people/alice", "projects/x", "wiki_link", None),
        edge("people/alice", "tag:team", "tag", None),
        edge("people/alice", "unresolved:nobody", "wiki_link", None),
        // by alias, and by a folder path
        edge("people/bob", "people/alice", "wiki_link", None),
        edge("people/bob", "projects/x", "wiki_link", None),
        // by title, from the frontmatter
        edge("projects/x", "people/alice", "frontmatter", None),
        edge("projects/x", "tag:team", "tag", None),
    ];
    assert_eq!(graph.edges, want);
    let ids: Vec<_> = graph
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.node_type.as_str(), n.degree))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("inbox/bob", "note", 2),
            ("people/alice", "note", 6),
            ("people/bob", "relationship", 2),
            ("projects/x", "note", 4),
            ("tag:team", "tag", 2),
            ("unresolved:nobody", "unresolved", 2),
        ]
    );
    assert_eq!(graph.node_type_counts()["unresolved"], 1);
    assert_eq!(graph.edge_type_counts()["wiki_link"], 6);
}

#[test]
fn stem_wins_over_title_and_title_over_alias() {
    let (notes, _) = vault(&[
        ("a/target.md", "---\ntitle: Other\n---\n"),
        ("b/zzz.md", "---\ntitle: Target\naliases: [other]\n---\n"),
        ("c/yyy.md", "---\naliases: [zzz-alias]\n---\n"),
    ]);
    let r = Resolver::new(&notes);
    assert_eq!(r.resolve("TARGET"), Some("a/target.md"));
    assert_eq!(r.resolve("other"), Some("a/target.md"));
    assert_eq!(r.resolve("zzz-alias"), Some("c/yyy.md"));
    assert_eq!(r.resolve("b/ZZZ.md"), Some("b/zzz.md"));
    assert_eq!(r.resolve("x/zzz"), None);
    assert_eq!(r.resolve("missing"), None);
}

#[test]
fn neighbors_walk_both_ways_up_to_the_hop_limit() {
    let graph = fixture();
    let one = neighbors(&graph, "projects/x", 1).expect("node");
    let ids: Vec<_> = one.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["people/alice", "people/bob", "projects/x", "tag:team"]
    );
    assert!(one.edges.iter().all(|e| e.source != "inbox/bob"));
    let two = neighbors(&graph, "projects/x", 2).expect("node");
    assert_eq!(two.nodes.len(), 6);
    assert!(neighbors(&graph, "nope", 1).is_none());
    let capped = neighbors(&graph, "inbox/bob", 99).expect("node");
    assert_eq!(capped.nodes.len(), 6);
}

//! memory-svc through HAProxy, on a stack of its own (`e2e::Stack`, as the end-to-end tests
//! start it): re-index time of a generated vault of `BENCH_NOTES` notes (default 10,000) dropped
//! on disk as a runtime would, search latency over it, note writes with 100 tenants writing at
//! once, and memory-svc's RSS. `DJB_BIN_DIR` picks the binaries (label debug numbers so).

use std::time::{Duration, Instant};

use djinnbot_bench::{Settings, measure};
use e2e::{Options, Stack};
use kit::TokenKind;
use kit::auth::{Claims, JwtKeys};
use kit::testing::TEST_AUTH_SECRET;
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;

/// Size of the generated vocabulary; a note draws words with a Zipf-like skew (a few words in
/// nearly every note, most in few), as natural text does.
const VOCABULARY: u64 = 5_000;
const SYLLABLES: &[&str] = &[
    "ka", "to", "ri", "mo", "ne", "sa", "lu", "pe", "di", "ga", "vo", "zi", "be", "ha", "ju", "ko",
    "ma", "ni", "ro", "te", "fu", "la", "se", "yo",
];

/// Word number `n` of the vocabulary (0 is the most frequent).
fn word_of(n: u64) -> String {
    let mut n = n + SYLLABLES.len() as u64;
    let mut w = String::new();
    while n > 0 {
        w.push_str(SYLLABLES[(n % SYLLABLES.len() as u64) as usize]);
        n /= SYLLABLES.len() as u64;
    }
    w
}

/// A small deterministic generator (no crate needed for a corpus).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A word, skewed toward the first of the vocabulary (u^4).
    fn word(&mut self) -> String {
        let r = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        word_of((r.powi(4) * VOCABULARY as f64) as u64)
    }
}

/// Note `i`: frontmatter, a heading, 300-6000 bytes of text, a few wiki-links.
fn note(rng: &mut Lcg, i: usize, total: usize) -> String {
    let title = format!("{} {} {i}", rng.word(), rng.word());
    let mut body = format!(
        "---\ntitle: {title}\ntags: [{}, {}]\ntype: fact\n---\n# {title}\n\n",
        rng.word(),
        rng.word()
    );
    let target = 300 + (rng.next() % 5700) as usize;
    while body.len() < target {
        let w = rng.word();
        body.push_str(&w);
        body.push(if rng.next().is_multiple_of(12) {
            '\n'
        } else {
            ' '
        });
        if rng.next().is_multiple_of(60) {
            body.push_str(&format!("[[note-{}]] ", rng.next() as usize % total));
        }
    }
    body
}

fn token(keys: &JwtKeys, tenant: &TenantId) -> String {
    let claims = Claims::access(
        "usr_bench",
        tenant.clone(),
        TokenKind::User,
        Duration::from_secs(3600),
    );
    keys.mint(&claims).unwrap_or_default()
}

/// `VmRSS` of the process listening on `port` (found with `ss`), in kB.
fn memory_svc_rss_kb(port: &str) -> Option<u64> {
    let out = std::process::Command::new("ss")
        .args(["-ltnpH", &format!("sport = :{port}")])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let pid = text.split("pid=").nth(1)?.split(',').next()?.to_owned();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Runs the search query of `memory_svc::store::notes::search` (warm, best of three) and
/// returns its execution time as Postgres reports it.
async fn sql_ms(stack: &Stack, tenant: &TenantId, q: &str) -> anyhow::Result<f64> {
    let sql = "explain (analyze, format json)
        with top as (select n.vault, n.path, n.title,
                            ts_rank(n.tsv, websearch_to_tsquery('english', $2), 1) as score
                       from memory.notes n
                      where n.tenant_id = $1 and n.tsv @@ websearch_to_tsquery('english', $2)
                      order by score desc, n.vault, n.path limit 20)
        select top.path, ts_headline('english', left(n.body, 20000),
               websearch_to_tsquery('english', $2), 'MaxWords=35, MinWords=12, MaxFragments=2')
          from top join memory.notes n
            on n.tenant_id = $1 and n.vault = top.vault and n.path = top.path";
    let mut best = f64::MAX;
    for _ in 0..3 {
        let plan: serde_json::Value = sqlx::query_scalar(sql)
            .bind(tenant.as_str())
            .bind(q)
            .fetch_one(&stack.db.admin)
            .await?;
        best = best.min(plan[0]["Execution Time"].as_f64().unwrap_or(0.0));
        if std::env::var_os("BENCH_EXPLAIN").is_some() {
            print_plan(&plan[0]["Plan"], 0);
        }
    }
    Ok(best)
}

fn print_plan(node: &Value, depth: usize) {
    println!(
        "{}{} {} rows={} ms={}",
        "  ".repeat(depth),
        node["Node Type"].as_str().unwrap_or_default(),
        node["Index Name"].as_str().unwrap_or_default(),
        node["Actual Rows"],
        node["Actual Total Time"]
    );
    for child in node["Plans"].as_array().into_iter().flatten() {
        print_plan(child, depth + 1);
    }
}

async fn search_run(
    settings: &Settings,
    http: &reqwest::Client,
    token: &str,
    queries: Vec<String>,
) -> djinnbot_bench::Report {
    let states: Vec<_> = (0..settings.concurrency)
        .map(|i| {
            (
                http.clone(),
                settings.base.clone(),
                token.to_owned(),
                queries.clone(),
                i,
            )
        })
        .collect();
    measure(
        settings,
        states,
        |(http, base, token, queries, i)| async move {
            let q = &queries[i % queries.len()];
            let ok = match http
                .get(format!("{base}/v1/memory/search?q={q}&limit=20"))
                .bearer_auth(&token)
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            };
            ((http, base, token, queries, i + 7), ok)
        },
    )
    .await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let notes: usize = std::env::var("BENCH_NOTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let stack = Stack::start(Options {
        tenant_rate_limit: Some(1_000_000),
        env: vec![("TENANT_RATE_LIMIT".into(), "1000000".into())],
        ..Options::default()
    })
    .await;
    let http = djinnbot_bench::http_client()?;
    let keys = JwtKeys::new("k1", TEST_AUTH_SECRET.as_bytes());
    let (tenant, _) = stack.db.create_tenant("bench").await;
    let owner = token(&keys, &tenant);
    let res = http
        .post(format!("{}/v1/agents/", stack.base))
        .bearer_auth(&owner)
        .json(&json!({"name": "bench", "slug": "bench"}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 201, "agent: {}", res.status());
    let agent = res.json::<Value>().await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // The vault, written on disk as a runtime writes it, then indexed in one rebuild.
    let dir = stack
        .data
        .join("tenants")
        .join(tenant.as_str())
        .join("vaults")
        .join(&agent);
    let mut rng = Lcg(42);
    let mut bytes = 0;
    for i in 0..notes {
        let sub = dir.join(format!("d{:02}", i % 50));
        std::fs::create_dir_all(&sub)?;
        let text = note(&mut rng, i, notes);
        bytes += text.len();
        std::fs::write(sub.join(format!("note-{i}.md")), text)?;
    }
    let started = Instant::now();
    let res = http
        .post(format!(
            "{}/v1/memory/vaults/{agent}/graph/rebuild",
            stack.base
        ))
        .bearer_auth(&owner)
        .timeout(Duration::from_secs(600))
        .send()
        .await?;
    let rebuilt: Value = res.json().await.unwrap_or_default();
    // A rebuild longer than the request timeout goes on after the answer: wait for all of it.
    loop {
        let vaults: Value = http
            .get(format!("{}/v1/memory/vaults", stack.base))
            .bearer_auth(&owner)
            .send()
            .await?
            .json()
            .await?;
        let indexed = vaults
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["agent_id"] == agent.as_str())
            .and_then(|v| v["file_count"].as_u64())
            .unwrap_or(0);
        if indexed as usize >= notes {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let reindex = started.elapsed();
    println!(
        "re-index of {notes} notes ({:.1} MB) through `graph/rebuild`: {:.2} s ({})",
        bytes as f64 / 1e6,
        reindex.as_secs_f64(),
        rebuilt["message"]
    );

    let settings = Settings {
        base: stack.base.clone(),
        ..Settings::from_env()
    };
    // Typical queries: one or two words of middle frequency (ranks 100-2000).
    let queries: Vec<String> = (0..200u64)
        .map(|i| {
            let pick = |k: u64| word_of(100 + (i * 7919 + k * 104_729) % 1_900);
            if i.is_multiple_of(3) {
                format!("{} {}", pick(1), pick(2))
            } else {
                pick(0)
            }
        })
        .collect();
    // Steady state: autovacuum has analyzed the freshly loaded table (the planner needs its
    // statistics to choose the (tenant_id, tsv) index).
    for _ in 0..300 {
        let analyzed: Option<i64> = sqlx::query_scalar(
            "select coalesce(analyze_count, 0) + coalesce(autoanalyze_count, 0)
               from pg_stat_user_tables where schemaname = 'memory' and relname = 'notes'",
        )
        .fetch_optional(&stack.db.admin)
        .await?;
        if analyzed.unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // The database's own time for one query of each kind (no HTTP, no service).
    let first = queries[0].clone();
    for q in [first.as_str(), &word_of(0)] {
        let ms = sql_ms(&stack, &tenant, q).await?;
        println!("search SQL alone for {q:?}: {ms:.1} ms");
    }
    let typical = search_run(&settings, &http, &owner, queries).await;
    // The worst case: the 5 most frequent words, each in most notes.
    let common = search_run(&settings, &http, &owner, (0..5).map(word_of).collect()).await;

    // 100 tenants, each with an agent, writing new notes at once.
    let mut writers = Vec::new();
    for t in 0..100 {
        let (tenant, _) = stack.db.create_tenant(&format!("w{t}")).await;
        let token = token(&keys, &tenant);
        let res = http
            .post(format!("{}/v1/agents/", stack.base))
            .bearer_auth(&token)
            .json(&json!({"name": "writer", "slug": "writer"}))
            .send()
            .await?;
        anyhow::ensure!(res.status() == 201, "agent: {}", res.status());
        writers.push((http.clone(), settings.base.clone(), token, 0usize));
    }
    let write_settings = Settings {
        concurrency: 100,
        ..Settings::from_env()
    };
    let write = measure(
        &write_settings,
        writers,
        |(http, base, token, n)| async move {
            let body = json!({"filename": format!("inbox/n-{n}.md"),
            "content": format!("# Note {n}\nAbout [[deploy]] and the database, written at once.")});
            let ok = matches!(
                http.post(format!("{base}/v1/memory/vaults/writer/files"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await,
                Ok(r) if r.status().as_u16() == 201
            );
            ((http, base, token, n + 1), ok)
        },
    )
    .await;

    let port = stack
        .service_url("memory-svc")
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    println!("\n| scenario | req/s | p50 | p99 | errors | what |");
    println!("|---|---|---|---|---|---|");
    let what = format!(
        "GET /v1/memory/search over {notes} notes, {} connections",
        settings.concurrency
    );
    println!("{}", typical.row("memory search", &what));
    println!("{}", common.row("memory search, 5 commonest words", &what));
    println!(
        "{}",
        write.row("memory write", "POST …/files, 100 tenants at once")
    );
    println!(
        "\nmemory-svc RSS after the runs: {} MB",
        memory_svc_rss_kb(&port).unwrap_or(0) / 1024
    );
    Ok(())
}

//! The path matrix: nothing a request names leaves its vault, whatever the spelling.

use serde_json::json as j;

use crate::support::{snapshot, spawn};

#[tokio::test]
async fn no_path_escapes_the_vault() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    // `eric` and `eric2`: the sibling-prefix trick that beat the monolith's startswith check.
    let eric = m.agent(&t, "eric").await;
    let eric2 = m.agent(&t, "eric2").await;
    m.note(&t, &eric, "mine.md", "eric's").await;
    m.note(&t, &eric2, "secret.md", "eric2's secret").await;
    let outside = m.data.join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("secret.md"), "OUTSIDE").expect("write");
    let vault = m.vault_dir(&t, &eric);
    std::os::unix::fs::symlink(&outside, vault.join("linked")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("secret.md"), vault.join("alias.md")).expect("symlink");
    std::os::unix::fs::symlink(m.vault_dir(&t, &eric2), vault.join("sib")).expect("symlink");
    let before = snapshot(&m.data);
    let api = m.app.client.bearer(&t.token);

    // In a URL, clients resolve `..` and `%2e%2e` segments before sending (and HAProxy refuses
    // any that arrive): URLs carry them with an encoded slash here (`..%2f`), and raw ones are
    // sent over a bare socket below. JSON bodies carry them raw.
    let raw_up = format!("../{eric2}/secret.md");
    let names = [
        "../eric2/secret.md",
        raw_up.as_str(),
        "..%2f..%2fsecret.md",
        "..%2fsecret.md",
        "a/..%2f..%2fsecret.md",
        "/etc/passwd.md",
        "%2Fetc%2Fpasswd.md",
        "linked/secret.md",
        "alias.md",
        "sib/secret.md",
        "mine.md%00.md",
        ".clawvault/x.md",
        "templates/x.md",
    ];
    for name in names {
        let in_url = name.replace("../", "..%2f");
        let (status, body) = api.get(&format!("/v1/memory/vaults/{eric}/{in_url}")).await;
        assert!(
            matches!(status.as_u16(), 400 | 403 | 404),
            "GET {name}: {status} {body}"
        );
        assert!(!body.to_string().contains("OUTSIDE") && !body.to_string().contains("secret\""));
        let (status, body) = api
            .put(
                &format!("/v1/memory/vaults/{eric}/{in_url}"),
                j!({"content": "pwned"}),
            )
            .await;
        assert!(
            matches!(status.as_u16(), 400 | 403 | 404),
            "PUT {name}: {status} {body}"
        );
        // In a JSON body nothing is percent-decoded: `%2e%2e` would be a literal (harmless) name.
        if !name.contains('%') {
            let (status, body) = api
                .post(
                    &format!("/v1/memory/vaults/{eric}/files"),
                    j!({"filename": name, "content": "pwned"}),
                )
                .await;
            assert!(
                matches!(status.as_u16(), 400 | 403 | 409),
                "POST {name}: {status} {body}"
            );
        }
        let (status, body) = api
            .delete(&format!("/v1/agents/{eric}/memory/{in_url}"))
            .await;
        assert!(
            matches!(status.as_u16(), 400 | 403 | 404),
            "DELETE {name}: {status} {body}"
        );
    }
    for raw in [
        format!("../{eric2}/secret.md"),
        "a/../../../outside/secret.md".to_owned(),
    ] {
        let answer = raw_get(&m, &t.token, &format!("/v1/memory/vaults/{eric}/{raw}")).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{raw}: {answer}");
        assert!(
            !answer.contains("secret\"") && !answer.contains("OUTSIDE"),
            "{answer}"
        );
    }
    assert_eq!(snapshot(&m.data), before, "nothing changed on disk");
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.md")).expect("read"),
        "OUTSIDE"
    );
}

/// A GET sent byte for byte, `..` segments and all (no client normalizes it).
async fn raw_get(m: &crate::support::Memory, token: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(m.app.addr)
        .await
        .expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    answer
}

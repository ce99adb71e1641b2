//! The test's own Postgres and Redis, serving TLS with the test's PKI from a scratch directory,
//! stopped when dropped. A missing binary fails the test with how to install it: nothing here
//! is skipped.

use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::pki::Pki;

const INSTALL: &str = "install it with `deploy/scripts/stack.sh deps` (make test does)";

/// A directory under the system temp dir, removed when dropped.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("djb-tls-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Self { dir }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Postgres refuses to run as root, so as root it runs as the `postgres` user.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn run(mut cmd: Command, what: &str, log: Option<&Path>) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    if !out.status.success() {
        let log = log
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default();
        panic!(
            "{what} failed ({}):\n{}{}\n{log}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn wait_for_port(port: u16, what: &str, mut exited: impl FnMut() -> Option<String>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(why) = exited() {
            panic!("{what} exited before listening on {port}: {why}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} not listening on {port} after 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A Postgres whose pg_hba.conf accepts TCP clients only over TLS (`hostssl`).
pub struct Postgres {
    pg_ctl: PathBuf,
    data: PathBuf,
    pub port: u16,
}

impl Postgres {
    pub fn start(dir: &Path, pki: &Pki) -> Self {
        let bin = pg_bin();
        let data = dir.join("pg");
        let log = dir.join("pg.log");
        std::fs::set_permissions(&pki.server_key, std::fs::Permissions::from_mode(0o600))
            .expect("chmod server key");
        if is_root() {
            let mut chown = Command::new("chown");
            chown.arg("-R").arg("postgres:").arg(dir);
            run(chown, "chown the scratch dir to postgres", None);
        }
        let mut initdb = as_postgres(&bin.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(initdb, "initdb", None);

        let port = free_port();
        std::fs::write(
            data.join("pg_hba.conf"),
            "hostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
        )
        .expect("write pg_hba.conf");
        let conf = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n\
             fsync = off\nssl = on\nssl_cert_file = '{cert}'\nssl_key_file = '{key}'\n",
            dir = dir.display(),
            cert = pki.server_cert.display(),
            key = pki.server_key.display(),
        );
        let mut text = std::fs::read_to_string(data.join("postgresql.conf")).expect("read conf");
        text.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), text).expect("write conf");

        let pg_ctl = bin.join("pg_ctl");
        let mut start = as_postgres(&pg_ctl);
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "30", "start"]);
        run(start, "pg_ctl start", Some(&log));
        Self { pg_ctl, data, port }
    }

    pub fn url(&self, host: &str, params: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres?{params}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = as_postgres(&self.pg_ctl)
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The newest `/usr/lib/postgresql/*/bin` that has the server programs.
fn pg_bin() -> PathBuf {
    let mut bins: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
        .collect();
    bins.sort_by_key(|b| {
        b.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
    });
    bins.pop().unwrap_or_else(|| {
        panic!("no Postgres server (initdb, pg_ctl) in /usr/lib/postgresql/*/bin: {INSTALL}")
    })
}

/// A Redis that speaks only TLS (`--port 0`), not asking clients for certificates.
pub struct Redis {
    child: Child,
    pub port: u16,
}

impl Redis {
    pub fn start(dir: &Path, pki: &Pki) -> Self {
        let port = free_port();
        let log = dir.join("redis.log");
        let stderr = std::fs::File::create(dir.join("redis.stderr")).expect("create stderr file");
        let mut child = Command::new("redis-server")
            .args([
                "--port",
                "0",
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--tls-port")
            .arg(port.to_string())
            .arg("--tls-cert-file")
            .arg(&pki.server_cert)
            .arg("--tls-key-file")
            .arg(&pki.server_key)
            .arg("--tls-ca-cert-file")
            .arg(&pki.ca)
            .args(["--tls-auth-clients", "no", "--logfile"])
            .arg(&log)
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server could not start ({e}): {INSTALL}"));
        wait_for_port(port, "redis-server (built with TLS?)", || {
            let status = child.try_wait().ok().flatten()?;
            let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
            Some(format!(
                "{status}\n{}{}",
                read("redis.stderr"),
                read("redis.log")
            ))
        });
        Self { child, port }
    }

    pub fn url(&self, host: &str) -> String {
        format!("rediss://{host}:{}/0", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

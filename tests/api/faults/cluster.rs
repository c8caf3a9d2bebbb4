//! A private PostgreSQL cluster of the test's own, on a port of its own, that a test may crash and restart
//! (the shared server must never be). Made with the machine's `initdb` and `pg_ctl`, run as the `postgres`
//! user when the tests run as root (PostgreSQL refuses root), and removed when dropped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub struct Cluster {
    bindir: PathBuf,
    root: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// A new cluster, started, with the schema migrated into its database `smsagent`.
    pub async fn start() -> (Cluster, PgPool) {
        let bindir = bindir();
        let root = std::env::temp_dir().join(format!("smsagent-cluster-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&root).unwrap();
        let port = free_port();
        let cluster = Cluster { bindir, root, port };
        if is_root() {
            run(Command::new("chown").arg("postgres:").arg(&cluster.root));
        }
        cluster.pg(
            "initdb",
            &["-D", &cluster.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
        );
        cluster.pg_ctl(&["start"]);
        let admin = PgPoolOptions::new().max_connections(1).connect_with(cluster.options("postgres")).await.unwrap();
        sqlx::query("CREATE DATABASE smsagent").execute(&admin).await.unwrap();
        admin.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(2))
            .connect_with(cluster.options("smsagent"))
            .await
            .unwrap();
        smsagent_store::MIGRATOR.run(&pool).await.unwrap();
        (cluster, pool)
    }

    /// Kills the server without a shutdown (as a crash would: what was not yet flushed to the write-ahead
    /// log is lost) and starts it again, which replays the log.
    pub fn crash_and_restart(&self) {
        self.pg_ctl(&["restart", "-m", "immediate"]);
    }

    /// Stops the server cleanly and starts it again.
    pub fn restart(&self) {
        self.pg_ctl(&["restart", "-m", "fast"]);
    }

    fn options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new().host("127.0.0.1").port(self.port).username("postgres").database(database)
    }

    fn data(&self) -> String {
        self.root.join("data").display().to_string()
    }

    fn pg_ctl(&self, action: &[&str]) {
        let (data, log) = (self.data(), self.root.join("server.log").display().to_string());
        // fsync off: the tests crash the server, never the machine, so what reached the kernel survives.
        // wal_writer_delay at its longest: a commit that does not wait for the disk stays unwritten until
        // a later one flushes it, so a crash reliably loses it, as it can in production.
        let settings = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c wal_writer_delay=10s -c max_connections=40",
            self.port,
            self.root.display()
        );
        let mut args = vec!["-D", &data, "-l", &log, "-w", "-t", "30", "-o", &settings];
        args.extend_from_slice(action);
        self.pg("pg_ctl", &args);
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Output {
        run(self.command(tool).args(args))
    }

    /// A PostgreSQL program, run as a user PostgreSQL accepts.
    fn command(&self, tool: &str) -> Command {
        let program = self.bindir.join(tool);
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").args(["-D", &self.data(), "-m", "immediate", "-w", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The newest installed PostgreSQL's programs (`scripts/test` installs them where missing).
fn bindir() -> PathBuf {
    let versions = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's programs under /usr/lib/postgresql (scripts/test installs them)");
    versions
        .filter_map(|version| {
            let version = version.ok()?;
            let number: u32 = version.file_name().to_str()?.parse().ok()?;
            let bin = version.path().join("bin");
            bin.join("initdb").exists().then_some((number, bin))
        })
        .max()
        .map(|(_, bin)| bin)
        .expect("an initdb under /usr/lib/postgresql/*/bin")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

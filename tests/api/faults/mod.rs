//! Exactly once under faults: a crashed or restarted database, a worker killed mid-send, a provider that
//! times out after taking a text. After each, every outbound row has left at most one message at Twilio
//! (counted by the id each carries in its status callback URL), and nothing is lost.

mod cluster;
mod crash;
mod kill;
mod matrix;
mod timeout;

use std::process::Stdio;
use std::time::Duration;

use sqlx::PgPool;

use crate::helpers::{ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, TestApp, wait_for};
use crate::twilio_account::TwilioAccount;

/// Waits until every outbound text has been handed over or has failed, and no job is left to run.
pub async fn settled(app: &TestApp) {
    wait_for("every text to be handed over or failed", || async {
        app.count("SELECT count(*) FROM job WHERE status <> 'dead'").await == 0
            && app.count("SELECT count(*) FROM sms_messages WHERE direction = 'outbound' AND status = 'queued' AND message_sid IS NULL").await == 0
    })
    .await;
}

/// Every outbound row left at most one message at Twilio, and a row Twilio took records that message's
/// id; Twilio holds nothing we have no row for. Returns how many messages Twilio holds.
pub async fn assert_sent_once(app: &TestApp, twilio: &TwilioAccount) -> usize {
    let held = twilio.held();
    for message in &held {
        let id = message.message_id.expect("every text is sent with our id in its status callback URL");
        let copies = held.iter().filter(|m| m.message_id == Some(id)).count();
        assert_eq!(copies, 1, "message {id} reached Twilio {copies} times: {:?}", message.body);
    }
    for row in app.outbound().await {
        let at_twilio: Vec<_> = held.iter().filter(|m| m.message_id == Some(row.id)).collect();
        match at_twilio.as_slice() {
            [] => assert!(row.message_sid.is_none() || row.status == "failed", "{row:?} has a sid Twilio never gave"),
            [only] => assert_eq!(row.message_sid.as_deref(), Some(only.sid.as_str()), "{row:?} records Twilio's id"),
            _ => unreachable!("counted above"),
        }
    }
    let rows = app.outbound().await.len();
    assert!(held.len() <= rows, "Twilio holds {} messages for {rows} rows", held.len());
    held.len()
}

/// `smsagent worker` in a process of its own, against the test's database and mocks.
pub struct WorkerProcess {
    child: tokio::process::Child,
}

impl WorkerProcess {
    pub fn start(app: &TestApp, database_url: &str, lease_seconds: u64) -> WorkerProcess {
        let dir = std::env::temp_dir();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_smsagent-under-test"))
            .arg("worker")
            // Only what is set here: nothing from the developer's environment or a .env file.
            .env_clear()
            .current_dir(&dir)
            .envs([
                ("DATABASE_URL", database_url.to_owned()),
                ("DATABASE_MAX_CONNECTIONS", "4".into()),
                ("PUBLIC_BASE_URL", PUBLIC_BASE_URL.into()),
                ("TWILIO_ACCOUNT_SID", ACCOUNT_SID.into()),
                ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.into()),
                ("TWILIO_API_BASE", app.twilio.uri()),
                ("OPENAI_API_KEY", "sk-test".into()),
                ("OPENAI_BASE_URL", format!("{}/v1", app.openai.uri())),
                ("UPLOAD_DIR", app.upload_dir.display().to_string()),
                ("UPLOAD_LINK_SECRET", crate::helpers::UPLOAD_LINK_SECRET.into()),
                ("WORKER_CONCURRENCY", "2".into()),
                ("WORKER_POLL_MS", "50".into()),
                ("JOB_LEASE_SECONDS", lease_seconds.to_string()),
                ("JOB_RETRY_BASE_MS", "20".into()),
                ("JOB_RETRY_MAX_SECONDS", "1".into()),
                ("RUST_LOG", "warn".into()),
            ])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the smsagent binary starts");
        WorkerProcess { child }
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("the worker is killed");
    }
}

/// The URL of the test's own database, for another process.
pub fn database_url(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "postgres://{}@{}:{}/{}?sslmode=disable",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().expect("the test database has a name")
    )
}

/// Waits for the next message Twilio takes.
pub async fn next_arrival(
    arrivals: &mut tokio::sync::mpsc::UnboundedReceiver<crate::twilio_account::Held>,
) -> crate::twilio_account::Held {
    tokio::time::timeout(Duration::from_secs(15), arrivals.recv())
        .await
        .expect("Twilio is sent a text in time")
        .expect("the account is still mounted")
}

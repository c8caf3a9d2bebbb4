//! A first run as a container runs it: the binary, as a user who may write almost nothing, started from `/`
//! with no settings but the database and a port. It serves, and says what it had to do without.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::Duration;

use smsagent_store::PgPool;
use tokio::io::AsyncReadExt;

use crate::faults::database_url;

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_unprivileged_user_starts_the_service_from_the_root_directory(pool: PgPool) {
    // A temporary directory of the run's own, so no earlier run's files stand in the way.
    let tmp = std::env::temp_dir().join(format!("smsagent-first-run-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o777)).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();

    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_smsagent-under-test"));
    // Root drops to `nobody` (65534), as the image runs as a user of its own; anyone else is unprivileged
    // already. The process itself changes user, so stopping it stops the service.
    if is_root() {
        command.uid(65534).gid(65534);
    }
    let mut service = command
        .arg("serve")
        .env_clear()
        .current_dir("/")
        .envs([
            ("DATABASE_URL", database_url(&pool)),
            ("PORT", port.to_string()),
            ("TMPDIR", tmp.display().to_string()),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");

    let health = format!("http://127.0.0.1:{port}/healthz");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if reqwest::get(&health).await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        if let Ok(Some(status)) = service.try_wait() {
            let mut said = String::new();
            service.stdout.take().unwrap().read_to_string(&mut said).await.unwrap();
            service.stderr.take().unwrap().read_to_string(&mut said).await.unwrap();
            panic!("the service exited ({status}):\n{said}");
        }
        assert!(tokio::time::Instant::now() < deadline, "the service did not serve within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    service.kill().await.unwrap();
    let mut said = String::new();
    service.stdout.take().unwrap().read_to_string(&mut said).await.unwrap();
    service.stderr.take().unwrap().read_to_string(&mut said).await.unwrap();
    assert!(said.contains("UPLOAD_DIR is not set"), "it says where ID photos went and how to choose:\n{said}");
    assert!(said.contains(&format!("http://127.0.0.1:{port}")), "it says where it serves:\n{said}");
    assert!(tmp.join("smsagent-uploads").is_dir(), "ID photos have a directory");
    let _ = std::fs::remove_dir_all(&tmp);
}

fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

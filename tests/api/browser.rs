//! Pages the service serves, opened in a real browser: Debian's chromium, headless, at a phone's width.
//! `scripts/test` installs it; CHROMIUM names another binary.

use std::path::PathBuf;

/// What chromium made of the page at `url`: the DOM as it rendered it, and a screenshot saved under
/// `target/screenshots/<name>.png` for a person to look at.
pub async fn open(url: &str, name: &str) -> String {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "no browser at {chromium}: run scripts/test (it installs Debian's chromium) or set CHROMIUM"
    );
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let profile = std::env::temp_dir().join(format!("smsagent-chromium-{}", uuid::Uuid::now_v7()));
    let run = |extra: Vec<String>| {
        let mut command = tokio::process::Command::new(&chromium);
        command
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=360,780"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(url);
        command
    };
    let shot = shots.join(format!("{name}.png"));
    let status = run(vec![format!("--screenshot={}", shot.display())]).output().await.unwrap();
    assert!(status.status.success(), "chromium failed: {}", String::from_utf8_lossy(&status.stderr));
    assert!(shot.metadata().map(|m| m.len() > 1000).unwrap_or(false), "no screenshot at {}", shot.display());
    let dom = run(vec!["--dump-dom".into()]).output().await.unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    assert!(dom.status.success(), "chromium failed: {}", String::from_utf8_lossy(&dom.stderr));
    String::from_utf8(dom.stdout).unwrap()
}

//! A real SMTP server for the tests: aiosmtpd, which `scripts/test` installs (scripts/lib/servers.sh) and
//! names in TEST_SERVERS_PYTHON. It keeps what it receives in a maildir, with the envelope's sender and
//! recipients added as `X-MailFrom` and `X-RcptTo` headers, and the test reads the messages back.

use std::path::PathBuf;
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};

pub struct MailServer {
    pub url: String,
    maildir: PathBuf,
    process: tokio::process::Child,
}

/// A message as the server received it.
#[derive(Debug)]
pub struct Received {
    pub rcpt_to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    /// The attached invite, and its content type.
    pub invite: Option<(String, String)>,
}

impl MailServer {
    pub async fn start() -> MailServer {
        let python = std::env::var("TEST_SERVERS_PYTHON").unwrap_or_else(|_| {
            panic!("TEST_SERVERS_PYTHON is not set: run scripts/test (it installs the SMTP server the tests use)")
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = std::env::temp_dir().join(format!("smsagent-maildir-{}", uuid::Uuid::now_v7()));
        let process = tokio::process::Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .kill_on_drop(true)
            .spawn()
            .expect("aiosmtpd starts");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return MailServer { url: format!("smtp://127.0.0.1:{port}"), maildir, process };
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }

    /// Every message received so far, in no particular order.
    pub fn received(&self) -> Vec<Received> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return Vec::new() };
        entries
            .map(|entry| {
                let raw = std::fs::read(entry.unwrap().path()).unwrap();
                let message = MessageParser::default().parse(&raw).expect("a message that parses");
                let header = |name: &str| message.header(name).and_then(|h| h.as_text()).unwrap_or("").to_owned();
                let invite = message.attachments().next().map(|part| {
                    let kind = part.content_type().map(|c| {
                        let params: Vec<String> = c
                            .attributes()
                            .unwrap_or_default()
                            .iter()
                            .map(|a| format!("{}={}", a.name, a.value))
                            .collect();
                        format!("{}/{}; {}", c.ctype(), c.subtype().unwrap_or(""), params.join("; "))
                    });
                    (String::from_utf8_lossy(part.contents()).into_owned(), kind.unwrap_or_default())
                });
                Received {
                    rcpt_to: header("X-RcptTo"),
                    from: message.from().and_then(|f| f.first()).and_then(|a| a.address()).unwrap_or("").to_owned(),
                    subject: message.subject().unwrap_or("").to_owned(),
                    text: message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
                    invite,
                }
            })
            .collect()
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.process.start_kill();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

//! A real CalDAV server for the tests: Radicale, which `scripts/test` installs (scripts/lib/servers.sh) and
//! names in TEST_SERVERS_PYTHON, keeping its collections in a directory of its own.

use std::path::PathBuf;
use std::time::Duration;

pub struct CalendarServer {
    pub base: String,
    folder: PathBuf,
    http: reqwest::Client,
    process: tokio::process::Child,
}

pub const USER: &str = "clinic";
pub const PASSWORD: &str = "radicale-password";

impl CalendarServer {
    pub async fn start() -> CalendarServer {
        let python = std::env::var("TEST_SERVERS_PYTHON").unwrap_or_else(|_| {
            panic!("TEST_SERVERS_PYTHON is not set: run scripts/test (it installs the CalDAV server the tests use)")
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let folder = std::env::temp_dir().join(format!("smsagent-radicale-{}", uuid::Uuid::now_v7()));
        let process = tokio::process::Command::new(python)
            .args(["-m", "radicale", "--server-hosts", &format!("127.0.0.1:{port}"), "--auth-type", "none"])
            .arg("--storage-filesystem-folder")
            .arg(&folder)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("radicale starts");
        let server =
            CalendarServer { base: format!("http://127.0.0.1:{port}"), folder, http: reqwest::Client::new(), process };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("radicale did not listen on {port}");
    }

    /// Makes a calendar collection and returns its address.
    pub async fn calendar(&self, name: &str) -> String {
        let url = format!("{}/{USER}/{name}/", self.base);
        let made = self.request("MKCALENDAR", &url).send().await.unwrap();
        assert_eq!(made.status().as_u16(), 201, "MKCALENDAR {url}");
        url
    }

    /// Puts an event of someone else's (a meeting) on the calendar.
    pub async fn put_event(&self, collection: &str, uid: &str, start: &str, end: &str) {
        let body = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\n\
             DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Staff meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let put = self.request("PUT", &format!("{collection}{uid}.ics")).body(body).send().await.unwrap();
        assert!(put.status().is_success(), "PUT {}", put.status());
    }

    /// The resource's text, or `None` when there is none.
    pub async fn get(&self, url: &str) -> Option<String> {
        let response = self.request("GET", url).send().await.unwrap();
        response.status().is_success().then_some(response.text().await.unwrap())
    }

    fn request(&self, method: &str, url: &str) -> reqwest::RequestBuilder {
        self.http.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url).basic_auth(USER, Some(PASSWORD))
    }

    /// Stops the server, as an outage would.
    pub async fn stop(&mut self) {
        self.process.kill().await.unwrap();
    }
}

impl Drop for CalendarServer {
    fn drop(&mut self) {
        let _ = self.process.start_kill();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

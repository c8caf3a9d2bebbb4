//! The HTTP client for tenants' URLs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

use crate::{Guard, Refused, is_public};

/// A client whose every request passes the guard: its URL as written, the addresses it connects to, and
/// no redirects.
#[derive(Debug, Clone)]
pub struct GuardedClient {
    guard: Guard,
    http: reqwest::Client,
    timeout: Duration,
}

impl GuardedClient {
    pub(crate) fn new(guard: Guard, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("smsagent/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { guard: guard.clone() }))
            .build()
            // Building fails only when the TLS backend cannot initialise, which no retry would fix.
            .unwrap_or_else(|e| panic!("cannot build the HTTP client: {e}"));
        GuardedClient { guard, http, timeout }
    }

    /// The longest a request waits for its answer.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A POST to `url`, if the guard lets it through as written (the addresses are checked on connecting).
    pub fn post(&self, url: &str) -> Result<reqwest::RequestBuilder, Refused> {
        self.request(reqwest::Method::POST, url)
    }

    pub fn request(&self, method: reqwest::Method, url: &str) -> Result<reqwest::RequestBuilder, Refused> {
        let url: Url = self.guard.check_written(url)?;
        Ok(self.http.request(method, url))
    }
}

/// The guard's refusal behind a failed request, if that is why it failed (the name resolved inside).
pub fn refusal(error: &reqwest::Error) -> Option<&Refused> {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return Some(refused);
        }
        source = cause.source();
    }
    None
}

/// Resolves as the system does, then keeps only what the guard allows: a name that resolves inside fails
/// to connect.
#[derive(Debug)]
struct GuardedResolver {
    guard: Guard,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_owned();
        let allowed = self.guard.allows(&host);
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            match keep(resolved, allowed) {
                Ok(addresses) => Ok(Box::new(addresses.into_iter()) as Addrs),
                Err(inside) => Err(Refused::Inside(format!("{host} ({inside})")).into()),
            }
        })
    }
}

/// The addresses a connection may use: all of them for an allowlisted host, else only if every one is
/// public (a name with an inside address among its answers is refused: the client could pick it).
fn keep(resolved: Vec<SocketAddr>, allowed: bool) -> Result<Vec<SocketAddr>, std::net::IpAddr> {
    if !allowed && let Some(inside) = resolved.iter().find(|a| !is_public(a.ip())) {
        return Err(inside.ip());
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_any_inside_address_connects_nowhere_unless_allowed() {
        let public: SocketAddr = "93.184.216.34:0".parse().unwrap();
        let inside: SocketAddr = "10.0.0.7:0".parse().unwrap();
        assert_eq!(keep(vec![public], false), Ok(vec![public]));
        assert_eq!(keep(vec![public, inside], false), Err(inside.ip()));
        assert_eq!(keep(vec![inside], true), Ok(vec![inside]));
    }

    #[tokio::test]
    async fn a_name_that_resolves_inside_is_refused_on_connecting_unless_allowed() {
        use std::str::FromStr;
        // localhost stands for any name that resolves inside by the time a request is made (DNS rebinding).
        let name = || Name::from_str("localhost").unwrap();
        assert!(GuardedResolver { guard: Guard::default() }.resolve(name()).await.is_err());
        let allowed = GuardedResolver { guard: Guard::new(["localhost"]) }.resolve(name()).await.unwrap();
        assert!(allowed.into_iter().all(|a| a.ip().is_loopback()));
    }

    #[tokio::test]
    async fn a_request_to_a_name_that_resolves_inside_fails_with_the_guards_refusal() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = Guard::new(["127.0.0.1"]).client(Duration::from_secs(5));
        let failed = client.post(&format!("http://localhost:{port}/hook")).unwrap().send().await.unwrap_err();
        assert!(matches!(refusal(&failed), Some(Refused::Inside(_))), "{failed:?}");
    }

    #[tokio::test]
    async fn a_request_never_follows_a_redirect() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            let moved = "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n";
            socket.write_all(moved.as_bytes()).await.unwrap();
        });
        let client = Guard::new(["127.0.0.1"]).client(Duration::from_secs(5));
        let answer = client.post(&format!("http://127.0.0.1:{port}/hook")).unwrap().send().await.unwrap();
        assert_eq!(answer.status(), reqwest::StatusCode::FOUND, "the redirect is the answer");
    }
}

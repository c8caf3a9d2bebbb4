//! Egress: the one guard every HTTP call to a URL a tenant configures goes through (completion URLs and
//! calendars today; tools next).
//!
//! A tenant's URL must not reach inside: no loopback, private, link-local (the clouds' metadata services
//! live there), shared, multicast or reserved addresses, unless the deployment allowlists the host
//! (`OUTBOUND_ALLOWED_HOSTS`, for on-premises systems). The URL is checked when it is set ([`Guard::check`],
//! which also resolves it), and every connection is checked again on the addresses the name resolves to at
//! that moment ([`Guard::client`]'s resolver), so a name that later resolves inside (DNS rebinding) is
//! refused too. Redirects are never followed: a 3xx is the answer, not a new request somewhere else.

mod address;
mod client;

pub use address::is_public;
pub use client::{GuardedClient, refusal};

use std::collections::HashSet;
use std::net::IpAddr;

use url::{Host, Url};

/// The longest a name being set is given to resolve; the connection checks it again in any case.
const RESOLVE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Names refused whatever they resolve to here: metadata services known by name.
const FORBIDDEN_NAMES: &[&str] = &["metadata.google.internal", "metadata", "instance-data"];

/// Why a URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("not a URL: {0}")]
    NotAUrl(String),
    #[error("only http and https URLs are called")]
    Scheme,
    #[error("a URL with a user name or password in it is not called")]
    Credentials,
    #[error("the URL has no host")]
    NoHost,
    #[error("{0} is a private, loopback, link-local or metadata address; URLs must reach the public internet")]
    Inside(String),
}

/// The policy: which hosts may be reached although they are inside.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Host names and IP addresses, lowercase, as written in URLs (IPv6 without brackets).
    allowed: HashSet<String>,
}

impl Guard {
    /// A guard that lets `allowed_hosts` (names or addresses) through although they are inside.
    pub fn new<S: AsRef<str>>(allowed_hosts: impl IntoIterator<Item = S>) -> Self {
        let allowed = allowed_hosts
            .into_iter()
            .map(|h| h.as_ref().trim().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        Guard { allowed }
    }

    fn allows(&self, host: &str) -> bool {
        self.allowed.contains(&host.to_ascii_lowercase())
    }

    /// Checks a URL as it is written: scheme, no credentials, and a host that is no inside address or
    /// forbidden name. Names are not resolved here (see [`Guard::check`]).
    pub fn check_written(&self, raw: &str) -> Result<Url, Refused> {
        let url = Url::parse(raw.trim()).map_err(|e| Refused::NotAUrl(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::Credentials);
        }
        // The URL parser reads every way of writing an address (2130706433, 0x7f.1, [::ffff:127.0.0.1]).
        let (text, ip) = match url.host().ok_or(Refused::NoHost)? {
            Host::Ipv4(v4) => (v4.to_string(), Some(IpAddr::V4(v4))),
            Host::Ipv6(v6) => (v6.to_string(), Some(IpAddr::V6(v6))),
            Host::Domain(name) => (name.trim_end_matches('.').to_ascii_lowercase(), None),
        };
        if self.allows(&text) {
            return Ok(url);
        }
        let inside = match ip {
            Some(ip) => !is_public(ip),
            // Other names are judged by what they resolve to, when set and on every connection.
            None => FORBIDDEN_NAMES.contains(&text.as_str()),
        };
        if inside {
            return Err(Refused::Inside(text));
        }
        Ok(url)
    }

    /// Checks a URL being set: as written, and the addresses its name resolves to now. A name that does not
    /// resolve yet is let through: the addresses are checked again on every connection.
    pub async fn check(&self, raw: &str) -> Result<Url, Refused> {
        let url = self.check_written(raw)?;
        let Some(Host::Domain(name)) = url.host() else { return Ok(url) };
        let name = name.trim_end_matches('.').to_owned();
        if self.allows(&name) {
            return Ok(url);
        }
        let port = url.port_or_known_default().unwrap_or(443);
        let lookup = tokio::time::timeout(RESOLVE_WAIT, tokio::net::lookup_host((name.as_str(), port))).await;
        let Ok(Ok(addresses)) = lookup else { return Ok(url) };
        if let Some(inside) = addresses.into_iter().find(|a| !is_public(a.ip())) {
            return Err(Refused::Inside(format!("{name} ({})", inside.ip())));
        }
        Ok(url)
    }

    /// An HTTP client for tenants' URLs: each request's URL is checked as written, each connection on the
    /// addresses resolved for it, no redirect is followed and no proxy is used (a proxy would resolve the
    /// name where the guard cannot see).
    pub fn client(&self, timeout: std::time::Duration) -> GuardedClient {
        GuardedClient::new(self.clone(), timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_addresses_are_refused_however_they_are_written() {
        let guard = Guard::default();
        for url in [
            "http://127.0.0.1/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://metadata.google.internal/computeMetadata/v1/",
        ] {
            assert!(matches!(guard.check_written(url), Err(Refused::Inside(_))), "{url}");
        }
    }

    #[test]
    fn public_urls_pass_and_others_are_refused_with_the_reason() {
        let guard = Guard::default();
        assert!(guard.check_written("https://hooks.example.com/smsagent").is_ok());
        assert!(guard.check_written("https://93.184.216.34/hook").is_ok());
        assert_eq!(guard.check_written("ftp://example.com/").unwrap_err(), Refused::Scheme);
        assert_eq!(guard.check_written("https://user:pw@example.com/").unwrap_err(), Refused::Credentials);
        assert!(matches!(guard.check_written("not a url"), Err(Refused::NotAUrl(_))));
    }

    #[test]
    fn the_allowlist_opens_named_hosts_only() {
        let guard = Guard::new(["crm.corp.internal", "10.0.0.5", "[fd00::5]"]);
        assert!(guard.check_written("http://10.0.0.5:8080/hook").is_ok());
        assert!(guard.check_written("http://[fd00::5]/hook").is_ok());
        assert!(guard.check_written("http://CRM.corp.internal/hook").is_ok());
        assert!(guard.check_written("http://10.0.0.6/hook").is_err());
    }

    #[tokio::test]
    async fn a_name_that_resolves_inside_is_refused_when_set() {
        let guard = Guard::default();
        // localhost resolves to loopback wherever the tests run: refused by the address it resolves to.
        assert!(matches!(guard.check("http://localhost./hook").await, Err(Refused::Inside(_))));
        let opened = Guard::new(["localhost"]);
        assert!(opened.check("http://localhost/hook").await.is_ok());
    }
}

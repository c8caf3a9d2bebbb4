//! `X-Twilio-Signature`, computed and checked exactly as Twilio's official libraries do.
//!
//! The signed string is the full URL Twilio called followed by every POST parameter, sorted by name, as
//! `name + value` (repeated names: each distinct value, sorted). The signature is the base64 HMAC-SHA1 of
//! that string keyed with the auth token. Because Twilio is inconsistent about ports, a signature over the
//! URL with the port (`:443` added for https, `:80` for http) or without it is accepted.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;

use super::FormParams;

type HmacSha1 = Hmac<Sha1>;

/// Checks webhook signatures with the account's auth token.
#[derive(Debug, Clone)]
pub struct SignatureValidator {
    auth_token: SecretString,
}

impl SignatureValidator {
    pub fn new(auth_token: SecretString) -> Self {
        SignatureValidator { auth_token }
    }

    /// Whether `signature` signs `params` posted to `url`, the public URL Twilio called. Constant time.
    pub fn is_valid(&self, url: &str, params: &FormParams, signature: &str) -> bool {
        let Ok(claimed) = BASE64.decode(signature.trim()) else {
            return false;
        };
        let token = self.auth_token.expose_secret().as_bytes();
        // Both checks always run, so timing does not tell which URL form matched.
        let without_port = mac(token, &url_without_port(url), params).verify_slice(&claimed).is_ok();
        let with_port = mac(token, &url_with_port(url), params).verify_slice(&claimed).is_ok();
        without_port | with_port
    }
}

/// The signature Twilio would send for `params` posted to `url`. For tests, mocks and benchmarks.
pub fn sign(auth_token: &str, url: &str, params: &FormParams) -> String {
    BASE64.encode(mac(auth_token.as_bytes(), url, params).finalize().into_bytes())
}

fn mac(key: &[u8], url: &str, params: &FormParams) -> HmacSha1 {
    let mut mac = HmacSha1::new_from_slice(key).expect("HMAC accepts a key of any length");
    mac.update(url.as_bytes());
    let mut pairs: Vec<(&str, &str)> = params.iter().collect();
    pairs.sort_unstable();
    pairs.dedup();
    for (name, value) in pairs {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// A URL split where the port goes: `scheme://[userinfo@]host` | `:port` | `/path?query`.
struct UrlParts<'a> {
    scheme: &'a str,
    before_port: &'a str,
    port: Option<&'a str>,
    rest: &'a str,
}

fn split(url: &str) -> Option<UrlParts<'_>> {
    let scheme_end = url.find("://")?;
    let authority_start = scheme_end + 3;
    let authority_len = url[authority_start..].find(['/', '?', '#']).unwrap_or(url.len() - authority_start);
    let authority_end = authority_start + authority_len;
    let authority = &url[authority_start..authority_end];
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    // The port follows the last colon, unless that colon is inside an IPv6 literal.
    let port_colon =
        authority[host_start..].rfind(':').map(|i| host_start + i).filter(|&i| !authority[i..].contains(']'));
    let (before_port, port) = match port_colon {
        Some(i) => (&url[..authority_start + i], Some(&authority[i + 1..])),
        None => (&url[..authority_end], None),
    };
    Some(UrlParts { scheme: &url[..scheme_end], before_port, port, rest: &url[authority_end..] })
}

fn url_without_port(url: &str) -> String {
    match split(url) {
        Some(parts) => format!("{}{}", parts.before_port, parts.rest),
        None => url.to_owned(),
    }
}

fn url_with_port(url: &str) -> String {
    let Some(parts) = split(url) else {
        return url.to_owned();
    };
    let port = match (parts.port, parts.scheme.to_ascii_lowercase().as_str()) {
        (Some(port), _) => port,
        (None, "https") => "443",
        (None, "http") => "80",
        (None, _) => return url.to_owned(),
    };
    format!("{}:{}{}", parts.before_port, port, parts.rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn voice_params(caller: &str) -> FormParams {
        FormParams::from_pairs([
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", caller),
            ("Digits", "1234"),
            ("From", caller),
            ("To", "+18005551212"),
        ])
    }

    fn validator() -> SignatureValidator {
        SignatureValidator::new(SecretString::from(TOKEN))
    }

    // The official vectors: twilio-python tests/unit/test_request_validator.py and twilio-node
    // spec/validation.spec.js (docs/twilio.md#signature-test-vectors).
    #[test]
    fn the_official_vectors_compute() {
        let params = voice_params("+14158675309");
        let cases = [
            ("https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
            ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
            ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
            ("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
            ("https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "CukzLTc1tT5dXEDIHm/tKBanW10="),
        ];
        for (url, expected) in cases {
            assert_eq!(sign(TOKEN, url, &params), expected, "{url}");
            assert!(validator().is_valid(url, &params, expected), "{url}");
        }
    }

    #[test]
    fn the_documentation_example_and_the_messaging_vector() {
        assert_eq!(sign(TOKEN, URL, &voice_params("+12349013030")), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        let sms = FormParams::from_pairs([
            ("AccountSid", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
            ("Body", "Hello"),
            ("From", "+15551234567"),
            ("MessageSid", "SM11111111111111111111111111111111"),
            ("NumMedia", "0"),
            ("To", "+15557654321"),
        ]);
        assert_eq!(sign(TOKEN, "https://example.com/sms/inbound", &sms), "Su8+OHWUNoBo5UsOq5ladhedyx4=");
    }

    #[test]
    fn repeated_names_sign_each_distinct_value_in_order() {
        let params = FormParams::from_pairs([
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        assert_eq!(sign(TOKEN, URL, &params), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    }

    #[test]
    fn a_signature_with_or_without_the_port_is_accepted() {
        let params = voice_params("+14158675309");
        // Signed without the port, received on a URL that has it; and the reverse.
        assert!(validator().is_valid(
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            &params,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(validator().is_valid(URL, &params, "kvajT1Ptam85bY51eRf/AJRuM3w="));
        // A non-standard port: signed with it, or without it.
        assert!(validator().is_valid(
            "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
            &params,
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        ));
        let without = sign(TOKEN, "http://mycompany.com/myapp.php?foo=1&bar=2", &params);
        assert!(validator().is_valid("http://mycompany.com:1234/myapp.php?foo=1&bar=2", &params, &without));
    }

    #[test]
    fn tampering_with_body_url_or_token_fails() {
        let params = voice_params("+14158675309");
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
        assert!(validator().is_valid(URL, &params, good));

        let tampered_body = voice_params("+14158675300");
        assert!(!validator().is_valid(URL, &tampered_body, good), "changed parameter");

        let mut extra = voice_params("+14158675309");
        extra.push("Body", "injected");
        assert!(!validator().is_valid(URL, &extra, good), "added parameter");

        assert!(!validator().is_valid("https://mycompany.com/myapp.php?foo=1&bar=3", &params, good), "changed query");
        assert!(!validator().is_valid("https://evil.com/myapp.php?foo=1&bar=2", &params, good), "changed host");
        assert!(!validator().is_valid("http://mycompany.com/myapp.php?foo=1&bar=2", &params, good), "changed scheme");

        let other_token = SignatureValidator::new(SecretString::from("54321"));
        assert!(!other_token.is_valid(URL, &params, good), "other token");

        assert!(!validator().is_valid(URL, &params, ""), "empty signature");
        assert!(!validator().is_valid(URL, &params, "not base64!"), "garbage signature");
    }

    #[test]
    fn ports_are_found_in_every_url_shape() {
        assert_eq!(url_with_port("https://h/x?a=1"), "https://h:443/x?a=1");
        assert_eq!(url_with_port("http://h"), "http://h:80");
        assert_eq!(url_with_port("https://u:p@h:8443/x"), "https://u:p@h:8443/x");
        assert_eq!(url_without_port("https://u:p@h:8443/x"), "https://u:p@h/x");
        assert_eq!(url_without_port("http://[::1]:8080/x"), "http://[::1]/x");
        assert_eq!(url_with_port("http://[::1]/x"), "http://[::1]:80/x");
        assert_eq!(url_without_port("https://h/x?next=http://a:1/"), "https://h/x?next=http://a:1/");
    }
}

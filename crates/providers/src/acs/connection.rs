//! The ACS connection string: `endpoint=https://<resource>.communication.azure.com/;accesskey=<base64>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::{ExposeSecret, SecretSlice, SecretString};

/// Where the resource is and the key that signs requests to it.
#[derive(Debug, Clone)]
pub struct AcsCredentials {
    /// Without a trailing slash.
    pub endpoint: String,
    /// The access key, decoded from base64: the HMAC key.
    pub access_key: SecretSlice<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionStringError {
    #[error("the connection string has no {0}; expected endpoint=https://<resource>/;accesskey=<key>")]
    Missing(&'static str),
    #[error("the connection string's accesskey is not base64")]
    KeyNotBase64,
}

impl AcsCredentials {
    /// Parses as the SDKs do: parts split on `;`, each at its first `=` (keys are base64 and end in `=`),
    /// names compared without case, the endpoint's trailing slash dropped.
    pub fn from_connection_string(connection_string: &SecretString) -> Result<Self, ConnectionStringError> {
        let mut endpoint = None;
        let mut key = None;
        for part in connection_string.expose_secret().split(';') {
            let Some((name, value)) = part.split_once('=') else { continue };
            match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => endpoint = Some(value.trim().trim_end_matches('/').to_owned()),
                "accesskey" => key = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        let endpoint = endpoint.filter(|e| !e.is_empty()).ok_or(ConnectionStringError::Missing("endpoint"))?;
        let key = key.filter(|k| !k.is_empty()).ok_or(ConnectionStringError::Missing("accesskey"))?;
        let access_key = BASE64.decode(key).map_err(|_| ConnectionStringError::KeyNotBase64)?;
        Ok(AcsCredentials { endpoint, access_key: SecretSlice::from(access_key) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_test_string_parses() {
        let credentials = AcsCredentials::from_connection_string(&SecretString::from(
            "endpoint=https://contoso.communicationservices.azure.com:443/;accesskey=cHc9PQ==",
        ))
        .unwrap();
        assert_eq!(credentials.endpoint, "https://contoso.communicationservices.azure.com:443");
        assert_eq!(credentials.access_key.expose_secret(), b"pw==");
    }

    #[test]
    fn names_ignore_case_and_keys_keep_their_padding() {
        let credentials = AcsCredentials::from_connection_string(&SecretString::from(
            "AccessKey=cHc9PQ==;Endpoint=https://x.communication.azure.com/",
        ))
        .unwrap();
        assert_eq!(credentials.endpoint, "https://x.communication.azure.com");
        assert_eq!(credentials.access_key.expose_secret(), b"pw==");
    }

    #[test]
    fn incomplete_strings_say_what_is_missing() {
        let missing = |s: &str| AcsCredentials::from_connection_string(&SecretString::from(s)).unwrap_err();
        assert_eq!(missing("accesskey=cHc9PQ=="), ConnectionStringError::Missing("endpoint"));
        assert_eq!(missing("endpoint=https://x/"), ConnectionStringError::Missing("accesskey"));
        assert_eq!(missing("endpoint=https://x/;accesskey=!!!"), ConnectionStringError::KeyNotBase64);
    }
}

//! Configuration from environment variables, checked once at start-up.
//!
//! | variable | meaning |
//! |---|---|
//! | `EVERAI_ENDPOINT` | base URL of the EverAI API (`http` or `https`); unset: the built-in simulator |
//! | `EVERAI_TOKEN` | bearer token for `EVERAI_ENDPOINT`; required with it |
//! | `LEPTOS_SITE_ADDR` | address to listen on (read by Leptos), default `127.0.0.1:3000` |
//! | `RUST_LOG` | log filter, default `info` |

use app::state::Upstream;
use secrecy::SecretString;
use url::Url;

/// A configuration problem, naming the variable to fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("EVERAI_ENDPOINT is not a valid URL ({0}); expected e.g. https://everai.expvent.com")]
    EndpointNotUrl(String),
    #[error("EVERAI_ENDPOINT must use http or https, not {0:?}")]
    EndpointScheme(String),
    #[error(
        "EVERAI_ENDPOINT must be a base URL without user, password, query or fragment, e.g. https://everai.expvent.com"
    )]
    EndpointExtras,
    #[error("EVERAI_TOKEN must be set (and not empty) when EVERAI_ENDPOINT is set")]
    MissingToken,
    #[error("EVERAI_TOKEN must be a single line of printable characters")]
    TokenNotPrintable,
}

/// Reads the upstream settings through `var` (the process environment in
/// production, a map in tests).
pub fn upstream_from(var: impl Fn(&str) -> Option<String>) -> Result<Upstream, ConfigError> {
    let endpoint = match var("EVERAI_ENDPOINT").filter(|v| !v.trim().is_empty()) {
        None => return Ok(Upstream::Simulator),
        Some(raw) => parse_endpoint(raw.trim())?,
    };
    let token = var("EVERAI_TOKEN")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or(ConfigError::MissingToken)?;
    // The token goes into an HTTP header: anything outside visible ASCII
    // would be rejected there, so reject it here with a clearer message.
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ConfigError::TokenNotPrintable);
    }
    Ok(Upstream::Platform {
        endpoint,
        token: SecretString::from(token),
    })
}

fn parse_endpoint(raw: &str) -> Result<Url, ConfigError> {
    // The parse error text never includes the input, so nothing a person
    // pasted by mistake (a token, say) is echoed into the log.
    let url = Url::parse(raw).map_err(|e| ConfigError::EndpointNotUrl(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::EndpointScheme(url.scheme().to_string()));
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(ConfigError::EndpointExtras);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn upstream(vars: &[(&str, &str)]) -> Result<Upstream, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        upstream_from(|k| map.get(k).cloned())
    }

    #[test]
    fn no_endpoint_means_the_simulator() {
        assert!(matches!(upstream(&[]), Ok(Upstream::Simulator)));
        assert!(matches!(
            upstream(&[("EVERAI_ENDPOINT", "  ")]),
            Ok(Upstream::Simulator)
        ));
    }

    #[test]
    fn endpoint_and_token_select_the_platform() {
        let up = upstream(&[
            ("EVERAI_ENDPOINT", "https://everai.expvent.com"),
            ("EVERAI_TOKEN", " abc123 "),
        ])
        .unwrap();
        let Upstream::Platform { endpoint, token } = up else {
            panic!("expected the platform");
        };
        assert_eq!(endpoint.as_str(), "https://everai.expvent.com/");
        assert_eq!(token.expose_secret(), "abc123");
    }

    #[test]
    fn endpoint_without_token_is_refused() {
        assert_eq!(
            upstream(&[("EVERAI_ENDPOINT", "https://x.example")]).unwrap_err(),
            ConfigError::MissingToken
        );
        assert_eq!(
            upstream(&[
                ("EVERAI_ENDPOINT", "https://x.example"),
                ("EVERAI_TOKEN", "")
            ])
            .unwrap_err(),
            ConfigError::MissingToken
        );
    }

    #[test]
    fn bad_endpoints_are_refused_with_the_variable_named() {
        for (raw, want) in [
            ("everai.expvent.com", "EVERAI_ENDPOINT is not a valid URL"),
            ("ftp://everai.expvent.com", "must use http or https"),
            ("https://u:p@everai.expvent.com", "without user, password"),
            ("https://everai.expvent.com/?x=1", "without user, password"),
        ] {
            let err = upstream(&[("EVERAI_ENDPOINT", raw), ("EVERAI_TOKEN", "t")]).unwrap_err();
            assert!(err.to_string().contains(want), "{raw}: {err}");
            assert!(err.to_string().contains("EVERAI_ENDPOINT"), "{raw}: {err}");
        }
    }

    #[test]
    fn token_with_control_characters_is_refused_without_echoing_it() {
        let err = upstream(&[
            ("EVERAI_ENDPOINT", "https://x.example"),
            ("EVERAI_TOKEN", "sec\nret"),
        ])
        .unwrap_err();
        assert_eq!(err, ConfigError::TokenNotPrintable);
        assert!(!err.to_string().contains("sec"));
    }

    #[test]
    fn token_debug_is_redacted() {
        let up = upstream(&[
            ("EVERAI_ENDPOINT", "https://x.example"),
            ("EVERAI_TOKEN", "very-secret-token"),
        ])
        .unwrap();
        let printed = format!("{up:?}");
        assert!(!printed.contains("very-secret-token"), "{printed}");
        assert!(printed.contains("REDACTED"), "{printed}");
    }
}

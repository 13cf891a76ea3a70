//! Who is using the console, and whether they may act.
//!
//! The server works out an [`Identity`] for every request (see the server's
//! `auth` layer) and puts it in the request's extensions; pages learn only
//! whether the person may scale and, if not, why.

use serde::{Deserialize, Serialize};

/// What a person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Sees everything, changes nothing.
    Viewer,
    /// May scale apps up and down.
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
        }
    }
}

/// The person behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Their user name, as the console knows it.
    pub actor: String,
    pub role: Role,
    /// Why they may not act, when they are a viewer.
    pub denied: Option<String>,
    /// Where the request came from (the client, not a trusted proxy).
    pub client_addr: String,
}

impl Identity {
    /// The reason this person may not scale, or `None` when they may.
    pub fn may_scale(&self) -> Result<(), String> {
        match (self.role, &self.denied) {
            (Role::Operator, _) => Ok(()),
            (Role::Viewer, Some(reason)) => Err(reason.clone()),
            (Role::Viewer, None) => Err("you are signed in as a viewer.".into()),
        }
    }
}

/// The longest user name the console accepts from a proxy header.
pub const MAX_USER_LEN: usize = 200;

/// Checks a user name from a trusted header: printable, one line, not too
/// long. `None` when it is unusable.
pub fn clean_user(raw: &str) -> Option<String> {
    let user = raw.trim();
    (!user.is_empty()
        && user.chars().count() <= MAX_USER_LEN
        && !user.chars().any(char::is_control))
    .then(|| user.to_string())
}

/// How the console knows who is using it (server side).
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub enum AuthMode {
    /// No sign-in: everyone is the same anonymous person (local demos).
    None,
    /// Behind an authenticating reverse proxy that names the user in a
    /// header; the header is believed only from the proxy's addresses.
    Proxy {
        header: axum::http::HeaderName,
        trusted: Vec<ipnet::IpNet>,
        operators: std::collections::BTreeSet<String>,
    },
}

/// The console's sign-in settings (server side).
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// `CONSOLE_READ_ONLY`: nobody may act.
    pub read_only: bool,
}

/// Why a request is refused before anything else happens.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unauthenticated {
    /// Proxy mode, and the request did not come through the proxy.
    NotFromProxy,
    /// Proxy mode, through the proxy, but without a usable user header.
    NoUser,
}

#[cfg(feature = "ssr")]
impl AuthConfig {
    /// Who is behind a request from `peer` with `headers`.
    pub fn identify(
        &self,
        peer: Option<std::net::IpAddr>,
        headers: &axum::http::HeaderMap,
    ) -> Result<Identity, Unauthenticated> {
        let peer_text = peer.map_or_else(|| "unknown".to_string(), |p| p.to_string());
        let (actor, mut role, mut denied, client_addr) = match &self.mode {
            AuthMode::None => ("anonymous".to_string(), Role::Operator, None, peer_text),
            AuthMode::Proxy {
                header,
                trusted,
                operators,
            } => {
                let from_proxy = peer.is_some_and(|p| trusted.iter().any(|net| net.contains(&p)));
                if !from_proxy {
                    return Err(Unauthenticated::NotFromProxy);
                }
                let user = headers
                    .get(header)
                    .and_then(|v| v.to_str().ok())
                    .and_then(clean_user)
                    .ok_or(Unauthenticated::NoUser)?;
                // The client is the last address the proxy added.
                let client = headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.rsplit(',').next())
                    .map(str::trim)
                    .filter(|a| a.parse::<std::net::IpAddr>().is_ok())
                    .map_or(peer_text, str::to_string);
                if operators.contains(&user) {
                    (user, Role::Operator, None, client)
                } else {
                    let reason = format!(
                        "{user} is a viewer here; operators are listed in CONSOLE_OPERATORS."
                    );
                    (user, Role::Viewer, Some(reason), client)
                }
            }
        };
        if self.read_only {
            role = Role::Viewer;
            denied = Some("this console is read-only (CONSOLE_READ_ONLY).".into());
        }
        Ok(Identity {
            actor,
            role,
            denied,
            client_addr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_operators_may_scale_and_viewers_hear_why() {
        let mut who = Identity {
            actor: "ana".into(),
            role: Role::Operator,
            denied: None,
            client_addr: "10.0.0.1".into(),
        };
        assert_eq!(who.may_scale(), Ok(()));
        who.role = Role::Viewer;
        assert!(who.may_scale().unwrap_err().contains("viewer"));
        who.denied = Some("this console is read-only.".into());
        assert_eq!(who.may_scale().unwrap_err(), "this console is read-only.");
    }

    #[cfg(feature = "ssr")]
    fn proxy(read_only: bool) -> AuthConfig {
        AuthConfig {
            mode: AuthMode::Proxy {
                header: axum::http::HeaderName::from_static("x-forwarded-user"),
                trusted: vec![
                    "10.0.0.0/8".parse().unwrap(),
                    "127.0.0.1/32".parse().unwrap(),
                ],
                operators: ["ana".to_string()].into(),
            },
            read_only,
        }
    }

    #[cfg(feature = "ssr")]
    fn headers(pairs: &[(&'static str, &'static str)]) -> axum::http::HeaderMap {
        let mut h = axum::http::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, axum::http::HeaderValue::from_static(v));
        }
        h
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_user_header_is_believed_only_from_the_proxy() {
        let cfg = proxy(false);
        let ana = headers(&[
            ("x-forwarded-user", "ana"),
            ("x-forwarded-for", "203.0.113.9, 10.1.2.3"),
        ]);
        let who = cfg
            .identify(Some("10.0.0.5".parse().unwrap()), &ana)
            .unwrap();
        assert_eq!((who.actor.as_str(), who.role), ("ana", Role::Operator));
        assert_eq!(who.client_addr, "10.1.2.3");
        // The same header from anywhere else is a spoof.
        assert_eq!(
            cfg.identify(Some("192.168.1.7".parse().unwrap()), &ana),
            Err(Unauthenticated::NotFromProxy)
        );
        assert_eq!(cfg.identify(None, &ana), Err(Unauthenticated::NotFromProxy));
        assert_eq!(
            cfg.identify(Some("127.0.0.1".parse().unwrap()), &headers(&[])),
            Err(Unauthenticated::NoUser)
        );
        let bo = cfg
            .identify(
                Some("127.0.0.1".parse().unwrap()),
                &headers(&[("x-forwarded-user", "bo")]),
            )
            .unwrap();
        assert_eq!(bo.role, Role::Viewer);
        assert!(bo.may_scale().unwrap_err().contains("CONSOLE_OPERATORS"));
        assert_eq!(bo.client_addr, "127.0.0.1");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn read_only_turns_everyone_into_a_viewer() {
        let who = proxy(true)
            .identify(
                Some("10.0.0.5".parse().unwrap()),
                &headers(&[("x-forwarded-user", "ana")]),
            )
            .unwrap();
        assert!(who.may_scale().unwrap_err().contains("read-only"));
        let open = AuthConfig {
            mode: AuthMode::None,
            read_only: false,
        };
        let who = open
            .identify(Some("127.0.0.1".parse().unwrap()), &headers(&[]))
            .unwrap();
        assert_eq!(
            (who.actor.as_str(), who.role),
            ("anonymous", Role::Operator)
        );
    }

    #[test]
    fn user_names_from_headers_are_checked() {
        assert_eq!(
            clean_user(" ana@example.com "),
            Some("ana@example.com".into())
        );
        assert_eq!(clean_user(""), None);
        assert_eq!(clean_user("ana\nroot"), None);
        assert_eq!(clean_user(&"a".repeat(201)), None);
        assert_eq!(clean_user("Zoë"), Some("Zoë".into()));
    }
}

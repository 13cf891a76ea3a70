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
#[derive(Debug, Clone)]
pub struct Identity {
    /// Their user name, as the console knows it.
    pub actor: String,
    pub role: Role,
    /// Why they may not act, when they are a viewer.
    pub denied: Option<String>,
    /// Where the request came from (the client, not a trusted proxy).
    pub client_addr: String,
    /// Their own EverAI token (token sign-in), used for every upstream call
    /// made for them; `None` means the console's token.
    #[cfg(feature = "ssr")]
    pub token: Option<secrecy::SecretString>,
}

impl Identity {
    /// The person behind the request being served, as the server's
    /// sign-in layer found them (`None` outside a request, or before that
    /// layer ran).
    #[cfg(feature = "ssr")]
    pub fn current() -> Option<Identity> {
        leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<Identity>().cloned())
    }

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

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "everai_console_session";
#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
pub use server::*;

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
            #[cfg(feature = "ssr")]
            token: None,
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
            proxies: Vec::new(),
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
        // 10.1.2.3 is a proxy too (10.0.0.0/8): the client is the hop
        // before it.
        assert_eq!(who.client_addr, "203.0.113.9");
        // The same header from anywhere else is a spoof.
        assert_eq!(
            cfg.identify(Some("192.168.1.7".parse().unwrap()), &ana)
                .unwrap_err(),
            Unauthenticated::NotFromProxy
        );
        assert_eq!(
            cfg.identify(None, &ana).unwrap_err(),
            Unauthenticated::NotFromProxy
        );
        assert_eq!(
            cfg.identify(Some("127.0.0.1".parse().unwrap()), &headers(&[]))
                .unwrap_err(),
            Unauthenticated::NoUser
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
    fn the_client_is_the_nearest_address_no_trusted_proxy_holds() {
        let behind = |proxies: &[&str]| AuthConfig {
            mode: AuthMode::None,
            read_only: false,
            proxies: proxies.iter().map(|p| p.parse().unwrap()).collect(),
        };
        let lb = behind(&["10.0.0.0/24"]);
        let peer = Some("10.0.0.7".parse().unwrap());
        let xff = |v: &'static str| headers(&[("x-forwarded-for", v)]);
        // What the client wrote itself (1.1.1.1) lies beyond its own
        // address and is never reached.
        assert_eq!(
            lb.client_addr(peer, &xff("1.1.1.1, 198.51.100.4")),
            "198.51.100.4"
        );
        assert_eq!(
            lb.client_addr(peer, &xff("198.51.100.4, 10.0.0.3")),
            "198.51.100.4",
            "a chain of proxies"
        );
        assert_eq!(lb.client_addr(peer, &xff("2001:db8::1")), "2001:db8::1");
        assert_eq!(lb.client_addr(peer, &xff("junk")), "10.0.0.7");
        assert_eq!(lb.client_addr(peer, &headers(&[])), "10.0.0.7");
        // From anyone but the proxies, the header is not believed.
        let direct = Some("203.0.113.5".parse().unwrap());
        assert_eq!(lb.client_addr(direct, &xff("198.51.100.4")), "203.0.113.5");
        assert_eq!(
            behind(&[]).client_addr(peer, &xff("198.51.100.4")),
            "10.0.0.7",
            "no proxies named: the peer"
        );
        assert_eq!(lb.client_addr(None, &xff("198.51.100.4")), "unknown");
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
            proxies: Vec::new(),
        };
        let who = open
            .identify(Some("127.0.0.1".parse().unwrap()), &headers(&[]))
            .unwrap();
        assert_eq!(
            (who.actor.as_str(), who.role),
            ("anonymous", Role::Operator)
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn tokens_are_sealed_and_only_their_key_opens_them() {
        let key = SessionKey::from_hex(&"ab".repeat(32)).unwrap();
        let sealed = key.seal("tok-ana-secret");
        assert!(!sealed.contains("tok-ana"));
        assert_ne!(
            sealed,
            key.seal("tok-ana-secret"),
            "a fresh nonce every time"
        );
        assert_eq!(key.open(&sealed).as_deref(), Some("tok-ana-secret"));
        assert_eq!(SessionKey::random().open(&sealed), None);
        let mut tampered = sealed.clone();
        tampered.replace_range(30..32, if &sealed[30..32] == "00" { "01" } else { "00" });
        assert_eq!(key.open(&tampered), None);
        assert!(SessionKey::from_hex("abc").is_none());
        assert!(SessionKey::from_hex(&"zz".repeat(32)).is_none());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_session_cookie_is_read_strictly_and_set_safely() {
        let id = new_session_id();
        assert_eq!(id.len(), 64);
        let h = headers(&[]);
        assert_eq!(session_cookie(&h), None);
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            format!("a=b; {SESSION_COOKIE}={id}; c=d").parse().unwrap(),
        );
        assert_eq!(session_cookie(&h), Some(id.clone()));
        h.insert(
            axum::http::header::COOKIE,
            format!("{SESSION_COOKIE}=short").parse().unwrap(),
        );
        assert_eq!(session_cookie(&h), None);
        let set = set_session_cookie(&id, 60, true);
        for part in [
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/",
            "Max-Age=60",
        ] {
            assert!(set.contains(part), "{set}");
        }
        assert!(!set_session_cookie(&id, 60, false).contains("Secure"));
        assert_eq!(token_fingerprint("tok").len(), 8);
        assert_ne!(digest(&id), id);
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

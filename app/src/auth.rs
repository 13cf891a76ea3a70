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
    /// Each person signs in with their own EverAI token; the browser holds
    /// only a session cookie.
    Token(TokenAuth),
}

/// Token sign-in settings.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct TokenAuth {
    /// Seals the tokens kept in the session store.
    pub key: SessionKey,
    /// A session unused this long ends.
    pub idle: std::time::Duration,
    /// A session ends this long after sign-in, used or not.
    pub max_age: std::time::Duration,
}

#[cfg(feature = "ssr")]
impl std::fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAuth")
            .field("key", &"[REDACTED]")
            .field("idle", &self.idle)
            .field("max_age", &self.max_age)
            .finish()
    }
}

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "everai_console_session";

/// The key that seals people's EverAI tokens at rest (ChaCha20-Poly1305).
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

#[cfg(feature = "ssr")]
impl SessionKey {
    /// From 64 hex digits (`CONSOLE_SESSION_KEY`).
    pub fn from_hex(hex: &str) -> Option<SessionKey> {
        let bytes = from_hex(hex.trim())?;
        Some(SessionKey(bytes.try_into().ok()?))
    }

    /// A fresh random key (sessions then end when the process does).
    pub fn random() -> SessionKey {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        SessionKey(key)
    }

    /// `nonce || ciphertext`, hex.
    pub fn seal(&self, plain: &str) -> String {
        use chacha20poly1305::{
            ChaCha20Poly1305, KeyInit,
            aead::{Aead, AeadCore, OsRng},
        };
        let cipher = ChaCha20Poly1305::new((&self.0).into());
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, plain.as_bytes())
            .expect("sealing a short token cannot fail");
        let mut out = to_hex(&nonce);
        out.push_str(&to_hex(&sealed));
        out
    }

    /// The plain text, or `None` when `sealed` was not sealed with this key.
    pub fn open(&self, sealed: &str) -> Option<String> {
        use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce, aead::Aead};
        let bytes = from_hex(sealed)?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let cipher = ChaCha20Poly1305::new((&self.0).into());
        let plain = cipher.decrypt(Nonce::from_slice(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}

/// A new session id for a cookie: 256 random bits, hex.
#[cfg(feature = "ssr")]
pub fn new_session_id() -> String {
    let mut id = uuid::Uuid::new_v4().simple().to_string();
    id.push_str(&uuid::Uuid::new_v4().simple().to_string());
    id
}

/// What the store keeps of a session id (or shows of a token): SHA-256, hex.
#[cfg(feature = "ssr")]
pub fn digest(value: &str) -> String {
    use sha2::Digest;
    to_hex(&sha2::Sha256::digest(value.as_bytes()))
}

/// A short, stable name for a token that reveals nothing of it: the first
/// 8 hex digits of its SHA-256.
#[cfg(feature = "ssr")]
pub fn token_fingerprint(token: &str) -> String {
    digest(token)[..8].to_string()
}

#[cfg(feature = "ssr")]
fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(feature = "ssr")]
fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// The session id in a request's cookies, if any.
#[cfg(feature = "ssr")]
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value for session `id` (empty id and zero age: delete).
/// `Secure` when the console is reached over HTTPS.
#[cfg(feature = "ssr")]
pub fn set_session_cookie(id: &str, max_age_secs: u64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// True when the request reached the console over HTTPS (directly or, as
/// the proxy in front says, from the browser to it).
#[cfg(feature = "ssr")]
pub fn is_https(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The console's sign-in settings (server side).
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// `CONSOLE_READ_ONLY`: nobody may act.
    pub read_only: bool,
    /// Outside proxy mode, the proxies or load balancers in front of the
    /// console (`CONSOLE_TRUSTED_PROXIES`, optional): their
    /// `X-Forwarded-For` names the client. In proxy mode, the sign-in
    /// proxy's addresses play that part.
    pub proxies: Vec<ipnet::IpNet>,
}

/// Why a request is refused before anything else happens.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unauthenticated {
    /// Proxy mode, and the request did not come through the proxy.
    NotFromProxy,
    /// Proxy mode, through the proxy, but without a usable user header.
    NoUser,
    /// Token mode, and no live session.
    NoSession,
}

#[cfg(feature = "ssr")]
impl AuthConfig {
    /// The proxies whose `X-Forwarded-For` is believed.
    fn forwarders(&self) -> &[ipnet::IpNet] {
        match &self.mode {
            AuthMode::Proxy { trusted, .. } => trusted,
            _ => &self.proxies,
        }
    }

    /// The address of the client behind a request from `peer`: the peer
    /// itself, or, when the peer is one of the proxies in front, the
    /// nearest address in `X-Forwarded-For` that is not one of them (each
    /// proxy appends the address it heard from; whatever a client wrote
    /// there itself sits further left and is never reached past an
    /// untrusted hop).
    pub fn client_addr(
        &self,
        peer: Option<std::net::IpAddr>,
        headers: &axum::http::HeaderMap,
    ) -> String {
        let Some(mut client) = peer else {
            return "unknown".to_string();
        };
        let trusted = |ip: &std::net::IpAddr| self.forwarders().iter().any(|net| net.contains(ip));
        if trusted(&client) {
            let hops = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .collect::<Vec<_>>();
            for hop in hops.iter().rev() {
                // An entry that is not an address ends the chain: the
                // last one read stands.
                let Ok(ip) = hop.parse::<std::net::IpAddr>() else {
                    break;
                };
                client = ip;
                if !trusted(&ip) {
                    break;
                }
            }
        }
        client.to_string()
    }

    /// Who is behind a request from `peer` with `headers`.
    /// (Token sign-in needs the session store: see the server's `auth`
    /// layer, which calls [`AuthConfig::signed_in`] with the session.)
    pub fn identify(
        &self,
        peer: Option<std::net::IpAddr>,
        headers: &axum::http::HeaderMap,
    ) -> Result<Identity, Unauthenticated> {
        let client_addr = self.client_addr(peer, headers);
        let (actor, mut role, mut denied) = match &self.mode {
            AuthMode::Token(_) => return Err(Unauthenticated::NoSession),
            AuthMode::None => ("anonymous".to_string(), Role::Operator, None),
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
                if operators.contains(&user) {
                    (user, Role::Operator, None)
                } else {
                    let reason = format!(
                        "{user} is a viewer here; operators are listed in CONSOLE_OPERATORS."
                    );
                    (user, Role::Viewer, Some(reason))
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
            token: None,
        })
    }

    /// The identity of a person signed in with `token` (token sign-in).
    pub fn signed_in(
        &self,
        actor: String,
        token: secrecy::SecretString,
        client_addr: String,
    ) -> Identity {
        let (role, denied) = if self.read_only {
            (
                Role::Viewer,
                Some("this console is read-only (CONSOLE_READ_ONLY).".to_string()),
            )
        } else {
            (Role::Operator, None)
        };
        Identity {
            actor,
            role,
            denied,
            client_addr,
            token: Some(token),
        }
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

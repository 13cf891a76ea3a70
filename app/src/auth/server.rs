//! The server's side of sign-in: how the console knows who is using it
//! ([`AuthConfig`], [`AuthMode`]), sessions (their ids, cookies and the
//! key that seals people's tokens), and the proxy's identity header. Only
//! in the server build; [`super`] holds what pages share.

use super::*;

/// How the console knows who is using it (server side).
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
#[derive(Clone)]
pub struct TokenAuth {
    /// Seals the tokens kept in the session store.
    pub key: SessionKey,
    /// A session unused this long ends.
    pub idle: std::time::Duration,
    /// A session ends this long after sign-in, used or not.
    pub max_age: std::time::Duration,
}

impl std::fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAuth")
            .field("key", &"[REDACTED]")
            .field("idle", &self.idle)
            .field("max_age", &self.max_age)
            .finish()
    }
}

/// The key that seals people's EverAI tokens at rest (ChaCha20-Poly1305).
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

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
pub fn new_session_id() -> String {
    let mut id = uuid::Uuid::new_v4().simple().to_string();
    id.push_str(&uuid::Uuid::new_v4().simple().to_string());
    id
}

/// What the store keeps of a session id (or shows of a token): SHA-256, hex.
pub fn digest(value: &str) -> String {
    use sha2::Digest;
    to_hex(&sha2::Sha256::digest(value.as_bytes()))
}

/// A short, stable name for a token that reveals nothing of it: the first
/// 8 hex digits of its SHA-256.
pub fn token_fingerprint(token: &str) -> String {
    digest(token)[..8].to_string()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

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
pub fn set_session_cookie(id: &str, max_age_secs: u64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// True when the request reached the console over HTTPS (directly or, as
/// the proxy in front says, from the browser to it).
pub fn is_https(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The console's sign-in settings (server side).
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unauthenticated {
    /// Proxy mode, and the request did not come through the proxy.
    NotFromProxy,
    /// Proxy mode, through the proxy, but without a usable user header.
    NoUser,
    /// Token mode, and no live session.
    NoSession,
}

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

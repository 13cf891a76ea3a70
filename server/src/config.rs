//! Configuration from environment variables, checked once at start-up.
//!
//! Every variable, its range and its default: README.md, section "Configuration".

use secrecy::SecretString;
use url::Url;

/// Which EverAI API the console talks to.
#[derive(Debug)]
pub enum Upstream {
    /// The simulator built into the console (`EVERAI_ENDPOINT` unset),
    /// started in-process on a loopback port.
    Simulator {
        seed: u64,
        time_scale: f64,
        /// Where it listens: a loopback address; `None` for any free port.
        addr: Option<std::net::SocketAddr>,
        /// Its token; `None` for a fresh random one.
        token: Option<SecretString>,
        /// People's own tokens it also accepts, with their names.
        users: Vec<(String, SecretString)>,
    },
    /// The real platform (or anything speaking its API) at `endpoint`.
    Platform {
        endpoint: Url,
        /// `SecretString` prints `[REDACTED]` in `Debug`, so the token
        /// cannot slip into a log line by accident.
        token: SecretString,
    },
}

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
    #[error("EVERAI_SIM_SEED must be a whole number from 0 to 18446744073709551615")]
    BadSeed,
    #[error("CONSOLE_MAX_SCALE_STEP must be a whole number from 1 to 1000, e.g. 50")]
    BadMaxScaleStep,
    #[error("EVERAI_SIM_TIME_SCALE must be a number from 0.01 to 10000, e.g. 1 or 60")]
    BadTimeScale,
    #[error("EVERAI_SIM_ADDR must be a loopback address with a port, e.g. 127.0.0.1:8900")]
    BadSimAddr,
    #[error("EVERAI_SIM_TOKEN must be a single line of printable characters")]
    SimTokenNotPrintable,
    #[error(
        "EVERAI_SIM_USERS must be name:token pairs separated by commas, e.g. ana:tok-ana,bo:tok-bo"
    )]
    BadSimUsers,
    #[error(
        "CONSOLE_REPLICA_ID must be 1 to 100 printable characters without spaces, e.g. console-a"
    )]
    BadReplicaId,
    #[error(
        "CONSOLE_AUTH must be set when EVERAI_ENDPOINT is set: token (each person signs in with their own token), proxy (behind a sign-in proxy) or none (anyone who reaches the console acts with its token)"
    )]
    MissingAuth,
    #[error("CONSOLE_AUTH must be token, proxy or none, not {0:?}")]
    BadAuth(String),
    #[error(
        "CONSOLE_SESSION_KEY must be 64 hex digits (e.g. from `openssl rand -hex 32`); with CONSOLE_AUTH=token and PostgreSQL it is required, so that replicas can read each other's sessions"
    )]
    BadSessionKey,
    #[error("CONSOLE_SESSION_IDLE_MINUTES must be a whole number from 1 to 10080")]
    BadSessionIdle,
    #[error("CONSOLE_SESSION_MAX_HOURS must be a whole number from 1 to 720")]
    BadSessionMaxAge,
    #[error(
        "CONSOLE_TRUSTED_PROXIES must list the sign-in proxy's addresses (e.g. 10.0.0.2 or 10.0.0.0/24) when CONSOLE_AUTH=proxy"
    )]
    MissingTrustedProxies,
    #[error("CONSOLE_TRUSTED_PROXIES: {0:?} is not an IP address or a CIDR range like 10.0.0.0/24")]
    BadTrustedProxy(String),
    #[error("CONSOLE_USER_HEADER must be an HTTP header name, e.g. X-Forwarded-User")]
    BadUserHeader,
    #[error("CONSOLE_READ_ONLY must be true or false")]
    BadReadOnly,
    #[error("{var} must be a whole number from {min} to {max}")]
    BadNumber {
        var: &'static str,
        min: u64,
        max: u64,
    },
    #[error("CONSOLE_ALLOWED_HOSTS: {0:?} is not a host name, IP address or host:port")]
    BadAllowedHost(String),
    #[error("CONSOLE_LOG_FORMAT must be text or json")]
    BadLogFormat,
}

/// A whole number from `var` within `min..=max`, or `default` when unset.
fn number(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    min: u64,
    max: u64,
    default: u64,
) -> Result<u64, ConfigError> {
    match var(name).map(|v| v.trim().to_string()) {
        None => Ok(default),
        Some(v) if v.is_empty() => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError::BadNumber {
                var: name,
                min,
                max,
            }),
        },
    }
}

/// How the console protects itself and the platform under load.
#[derive(Debug, Clone)]
pub struct Limits {
    pub gateway: everai_api::GatewayOptions,
    /// Requests served at once before new ones get a fast 503.
    pub max_requests: usize,
    /// Pages and server functions rendered at once; more wait.
    pub max_renders: usize,
    pub actions_per_minute: u32,
    /// `Host` values answered (lower case); empty: the defaults, worked out
    /// from the listening address.
    pub allowed_hosts: Vec<String>,
    pub json_logs: bool,
}

/// The limits from `CONSOLE_*` variables (see the table above).
pub fn limits_from(var: impl Fn(&str) -> Option<String>) -> Result<Limits, ConfigError> {
    use std::time::Duration;
    let defaults = everai_api::GatewayOptions::default();
    let gateway = everai_api::GatewayOptions {
        list_cache: Duration::from_millis(number(
            &var,
            "CONSOLE_LIST_CACHE_MS",
            0,
            60_000,
            defaults.list_cache.as_millis() as u64,
        )?),
        max_in_flight: number(
            &var,
            "CONSOLE_UPSTREAM_CONCURRENCY",
            1,
            1024,
            defaults.max_in_flight as u64,
        )? as usize,
        max_waiting: number(
            &var,
            "CONSOLE_UPSTREAM_QUEUE",
            0,
            100_000,
            defaults.max_waiting as u64,
        )? as usize,
        breaker_failures: number(
            &var,
            "CONSOLE_BREAKER_FAILURES",
            0,
            1000,
            u64::from(defaults.breaker_failures),
        )? as u32,
        breaker_open: Duration::from_secs(number(
            &var,
            "CONSOLE_BREAKER_PAUSE_SECS",
            1,
            3600,
            defaults.breaker_open.as_secs(),
        )?),
        ..defaults
    };
    let allowed_hosts = match var("CONSOLE_ALLOWED_HOSTS") {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| {
                let lower = h.to_ascii_lowercase();
                if crate::guard::is_host_value(&lower) {
                    Ok(lower)
                } else {
                    Err(ConfigError::BadAllowedHost(h.to_string()))
                }
            })
            .collect::<Result<_, _>>()?,
    };
    let json_logs = match var("CONSOLE_LOG_FORMAT").map(|v| v.trim().to_ascii_lowercase()) {
        None => false,
        Some(v) if v.is_empty() || v == "text" => false,
        Some(v) if v == "json" => true,
        Some(_) => return Err(ConfigError::BadLogFormat),
    };
    Ok(Limits {
        gateway,
        max_requests: number(&var, "CONSOLE_MAX_REQUESTS", 1, 100_000, 1024)? as usize,
        max_renders: number(
            &var,
            "CONSOLE_MAX_RENDERS",
            1,
            10_000,
            crate::guard::DEFAULT_RENDERS as u64,
        )? as usize,
        actions_per_minute: number(
            &var,
            "CONSOLE_ACTIONS_PER_MINUTE",
            1,
            10_000,
            u64::from(app::limits::DEFAULT_ACTIONS_PER_MINUTE),
        )? as u32,
        allowed_hosts,
        json_logs,
    })
}

/// The sign-in settings. `platform` says whether the console talks to a
/// real platform, where leaving the console open must be a choice;
/// `shared_db` whether replicas may share the session store.
pub fn auth_from(
    var: impl Fn(&str) -> Option<String>,
    platform: bool,
    shared_db: bool,
) -> Result<app::auth::AuthConfig, ConfigError> {
    use app::auth::{AuthConfig, AuthMode};
    let set = |name: &str| {
        var(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let read_only = match set("CONSOLE_READ_ONLY").map(|v| v.to_ascii_lowercase()) {
        None => false,
        Some(v) if matches!(v.as_str(), "true" | "1" | "yes") => true,
        Some(v) if matches!(v.as_str(), "false" | "0" | "no") => false,
        Some(_) => return Err(ConfigError::BadReadOnly),
    };
    // Required in proxy mode; otherwise the load balancers in front, if
    // any, whose X-Forwarded-For names the client.
    let proxies = set("CONSOLE_TRUSTED_PROXIES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::BadTrustedProxy(s.chars().take(60).collect()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mode = match set("CONSOLE_AUTH")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        None if platform => return Err(ConfigError::MissingAuth),
        None | Some("none") => AuthMode::None,
        Some("token") => {
            let key = match set("CONSOLE_SESSION_KEY") {
                Some(hex) => {
                    app::auth::SessionKey::from_hex(&hex).ok_or(ConfigError::BadSessionKey)?
                }
                None if shared_db => return Err(ConfigError::BadSessionKey),
                None => app::auth::SessionKey::random(),
            };
            let number = |name: &str, default: u64, max: u64, err: ConfigError| match set(name) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or(err),
            };
            let idle = number(
                "CONSOLE_SESSION_IDLE_MINUTES",
                120,
                10_080,
                ConfigError::BadSessionIdle,
            )?;
            let max_age = number(
                "CONSOLE_SESSION_MAX_HOURS",
                12,
                720,
                ConfigError::BadSessionMaxAge,
            )?;
            AuthMode::Token(app::auth::TokenAuth {
                key,
                idle: std::time::Duration::from_secs(idle * 60),
                max_age: std::time::Duration::from_secs(max_age * 3600),
            })
        }
        Some("proxy") => {
            let trusted = proxies.clone();
            if trusted.is_empty() {
                return Err(ConfigError::MissingTrustedProxies);
            }
            let header = set("CONSOLE_USER_HEADER")
                .unwrap_or_else(|| "x-forwarded-user".into())
                .parse::<axum::http::HeaderName>()
                .map_err(|_| ConfigError::BadUserHeader)?;
            let operators = set("CONSOLE_OPERATORS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            AuthMode::Proxy {
                header,
                trusted,
                operators,
            }
        }
        Some(other) => return Err(ConfigError::BadAuth(other.chars().take(20).collect())),
    };
    Ok(AuthConfig {
        mode,
        read_only,
        proxies,
    })
}

/// The database URL, from `CONSOLE_DATABASE_URL`; its form is checked when
/// it is opened (and never printed: it may hold a password).
pub fn database_url_from(var: impl Fn(&str) -> Option<String>) -> String {
    var("CONSOLE_DATABASE_URL")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "sqlite://everai-console.sqlite3".to_string())
}

/// This process's name among replicas, from `CONSOLE_REPLICA_ID`; by
/// default the host name and the port it listens on, which stays the same
/// when the process restarts (so it can recover its own interrupted calls)
/// and differs between replicas.
pub fn replica_from(
    var: impl Fn(&str) -> Option<String>,
    host: &str,
    port: u16,
) -> Result<String, ConfigError> {
    match var("CONSOLE_REPLICA_ID").map(|v| v.trim().to_string()) {
        Some(v) if !v.is_empty() => {
            if v.len() <= 100 && v.bytes().all(|b| b.is_ascii_graphic()) {
                Ok(v)
            } else {
                Err(ConfigError::BadReplicaId)
            }
        }
        _ => Ok(format!(
            "{}:{port}",
            if host.is_empty() { "console" } else { host }
        )),
    }
}

/// Most workers one scale-up may add, from `CONSOLE_MAX_SCALE_STEP`.
pub fn max_scale_step_from(var: impl Fn(&str) -> Option<String>) -> Result<u32, ConfigError> {
    match var("CONSOLE_MAX_SCALE_STEP").map(|v| v.trim().to_string()) {
        None => Ok(app::actions::DEFAULT_MAX_SCALE_STEP),
        Some(v) if v.is_empty() => Ok(app::actions::DEFAULT_MAX_SCALE_STEP),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=everai_api::MAX_SCALE_COUNT).contains(&n) => Ok(n),
            _ => Err(ConfigError::BadMaxScaleStep),
        },
    }
}

/// Reads the upstream settings through `var` (the process environment in
/// production, a map in tests).
pub fn upstream_from(var: impl Fn(&str) -> Option<String>) -> Result<Upstream, ConfigError> {
    let endpoint = match var("EVERAI_ENDPOINT").filter(|v| !v.trim().is_empty()) {
        None => return simulator_from(var),
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

fn simulator_from(var: impl Fn(&str) -> Option<String>) -> Result<Upstream, ConfigError> {
    let set = |name: &str| {
        var(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let seed = match set("EVERAI_SIM_SEED") {
        None => 1,
        Some(v) => v.parse().map_err(|_| ConfigError::BadSeed)?,
    };
    let time_scale = match set("EVERAI_SIM_TIME_SCALE") {
        None => 1.0,
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|x| (0.01..=10_000.0).contains(x))
            .ok_or(ConfigError::BadTimeScale)?,
    };
    // The simulator's control endpoints can break it on purpose: keep them
    // on this machine.
    let addr = match set("EVERAI_SIM_ADDR") {
        None => None,
        Some(v) => Some(
            v.parse::<std::net::SocketAddr>()
                .ok()
                .filter(|a| a.ip().is_loopback())
                .ok_or(ConfigError::BadSimAddr)?,
        ),
    };
    let token = match set("EVERAI_SIM_TOKEN") {
        None => None,
        Some(t) if t.bytes().all(|b| b.is_ascii_graphic()) => Some(SecretString::from(t)),
        Some(_) => return Err(ConfigError::SimTokenNotPrintable),
    };
    let users = match set("EVERAI_SIM_USERS") {
        None => Vec::new(),
        Some(v) => v
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|pair| match pair.split_once(':') {
                Some((name, token))
                    if !name.trim().is_empty()
                        && !token.is_empty()
                        && token.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok((
                        name.trim().to_string(),
                        SecretString::from(token.to_string()),
                    ))
                }
                _ => Err(ConfigError::BadSimUsers),
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(Upstream::Simulator {
        seed,
        time_scale,
        addr,
        token,
        users,
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

    fn limits(vars: &[(&str, &str)]) -> Result<Limits, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        limits_from(|k| map.get(k).cloned())
    }

    #[test]
    fn limits_default_and_are_checked() {
        let l = limits(&[]).unwrap();
        assert_eq!(l.gateway.list_cache, std::time::Duration::from_secs(5));
        assert_eq!(
            (l.max_requests, l.max_renders, l.actions_per_minute),
            (1024, 64, 20)
        );
        assert!(l.allowed_hosts.is_empty() && !l.json_logs);
        let l = limits(&[
            ("CONSOLE_LIST_CACHE_MS", "0"),
            ("CONSOLE_BREAKER_FAILURES", "0"),
            (
                "CONSOLE_ALLOWED_HOSTS",
                " Console.Example.com, 10.0.0.5:8080 ,",
            ),
            ("CONSOLE_LOG_FORMAT", "JSON"),
        ])
        .unwrap();
        assert!(l.gateway.list_cache.is_zero());
        assert_eq!(l.gateway.breaker_failures, 0);
        assert_eq!(l.allowed_hosts, ["console.example.com", "10.0.0.5:8080"]);
        assert!(l.json_logs);
        for (var, value) in [
            ("CONSOLE_LIST_CACHE_MS", "60001"),
            ("CONSOLE_UPSTREAM_CONCURRENCY", "0"),
            ("CONSOLE_UPSTREAM_QUEUE", "-1"),
            ("CONSOLE_BREAKER_PAUSE_SECS", "0"),
            ("CONSOLE_MAX_REQUESTS", "lots"),
            ("CONSOLE_MAX_RENDERS", "0"),
            ("CONSOLE_ACTIONS_PER_MINUTE", "1e3"),
        ] {
            let err = limits(&[(var, value)]).unwrap_err();
            assert!(
                matches!(err, ConfigError::BadNumber { var: v, .. } if v == var),
                "{err}"
            );
            assert!(err.to_string().starts_with(var), "{err}");
        }
        assert_eq!(
            limits(&[("CONSOLE_ALLOWED_HOSTS", "a.example,evil/../x")]).unwrap_err(),
            ConfigError::BadAllowedHost("evil/../x".into())
        );
        assert_eq!(
            limits(&[("CONSOLE_LOG_FORMAT", "yaml")]).unwrap_err(),
            ConfigError::BadLogFormat
        );
    }

    fn upstream(vars: &[(&str, &str)]) -> Result<Upstream, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        upstream_from(|k| map.get(k).cloned())
    }

    fn auth(vars: &[(&str, &str)], platform: bool) -> Result<app::auth::AuthConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        auth_from(|k| map.get(k).cloned(), platform, false)
    }

    #[test]
    fn a_real_platform_needs_an_explicit_sign_in_choice() {
        use app::auth::AuthMode;
        assert!(matches!(auth(&[], false).unwrap().mode, AuthMode::None));
        assert_eq!(auth(&[], true).unwrap_err(), ConfigError::MissingAuth);
        assert!(matches!(
            auth(&[("CONSOLE_AUTH", "none")], true).unwrap().mode,
            AuthMode::None
        ));
        let cfg = auth(
            &[
                ("CONSOLE_AUTH", "proxy"),
                ("CONSOLE_TRUSTED_PROXIES", "10.0.0.2, 192.168.0.0/16,::1"),
                ("CONSOLE_OPERATORS", "ana, bo"),
                ("CONSOLE_READ_ONLY", "yes"),
            ],
            true,
        )
        .unwrap();
        assert!(cfg.read_only);
        let AuthMode::Proxy {
            header,
            trusted,
            operators,
        } = cfg.mode
        else {
            panic!("expected proxy mode");
        };
        assert_eq!(header.as_str(), "x-forwarded-user");
        assert_eq!(trusted.len(), 3);
        assert_eq!(operators.len(), 2);
        for (vars, want) in [
            (
                vec![("CONSOLE_AUTH", "ldap")],
                ConfigError::BadAuth("ldap".into()),
            ),
            (
                vec![("CONSOLE_AUTH", "proxy")],
                ConfigError::MissingTrustedProxies,
            ),
            (
                vec![
                    ("CONSOLE_AUTH", "proxy"),
                    ("CONSOLE_TRUSTED_PROXIES", "10.0.0.300"),
                ],
                ConfigError::BadTrustedProxy("10.0.0.300".into()),
            ),
            (
                vec![
                    ("CONSOLE_AUTH", "proxy"),
                    ("CONSOLE_TRUSTED_PROXIES", "10.0.0.1"),
                    ("CONSOLE_USER_HEADER", "X User"),
                ],
                ConfigError::BadUserHeader,
            ),
            (
                vec![("CONSOLE_READ_ONLY", "maybe")],
                ConfigError::BadReadOnly,
            ),
        ] {
            assert_eq!(auth(&vars, true).unwrap_err(), want, "{vars:?}");
        }
    }

    #[test]
    fn token_sign_in_has_expiries_and_needs_a_shared_key_with_postgres() {
        let cfg = auth(&[("CONSOLE_AUTH", "token")], true).unwrap();
        let app::auth::AuthMode::Token(t) = cfg.mode else {
            panic!("expected token mode");
        };
        assert_eq!(
            (t.idle.as_secs(), t.max_age.as_secs()),
            (120 * 60, 12 * 3600)
        );
        assert!(cfg.proxies.is_empty());
        // Behind a load balancer: its addresses, so that the sign-in
        // limit counts clients, not the balancer.
        let behind = auth(
            &[
                ("CONSOLE_AUTH", "token"),
                ("CONSOLE_TRUSTED_PROXIES", "10.0.0.0/24, fd00::1"),
            ],
            true,
        )
        .unwrap();
        assert_eq!(behind.proxies.len(), 2);
        assert_eq!(
            auth(
                &[
                    ("CONSOLE_AUTH", "token"),
                    ("CONSOLE_TRUSTED_PROXIES", "lb.internal")
                ],
                true
            )
            .unwrap_err(),
            ConfigError::BadTrustedProxy("lb.internal".into())
        );
        let shared = |vars: &[(&str, &str)]| {
            let map: HashMap<String, String> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            auth_from(|k| map.get(k).cloned(), true, true)
        };
        assert_eq!(
            shared(&[("CONSOLE_AUTH", "token")]).unwrap_err(),
            ConfigError::BadSessionKey
        );
        let key = "0f".repeat(32);
        assert!(
            shared(&[
                ("CONSOLE_AUTH", "token"),
                ("CONSOLE_SESSION_KEY", key.as_str())
            ])
            .is_ok()
        );
        let printed = format!(
            "{:?}",
            shared(&[
                ("CONSOLE_AUTH", "token"),
                ("CONSOLE_SESSION_KEY", key.as_str())
            ])
            .unwrap()
        );
        assert!(
            !printed.contains(&key) && printed.contains("REDACTED"),
            "{printed}"
        );
    }

    #[test]
    fn the_database_and_replica_have_defaults_and_are_checked() {
        let none = |_: &str| None;
        assert_eq!(database_url_from(none), "sqlite://everai-console.sqlite3");
        assert_eq!(
            database_url_from(|_| Some(" postgres://db/x ".into())),
            "postgres://db/x"
        );
        assert_eq!(replica_from(none, "box", 3000), Ok("box:3000".into()));
        assert_eq!(replica_from(none, "", 3000), Ok("console:3000".into()));
        assert_eq!(
            replica_from(|_| Some("console-a".into()), "box", 3000),
            Ok("console-a".into())
        );
        for bad in ["a b", &"x".repeat(101)] {
            assert_eq!(
                replica_from(|_| Some(bad.to_string()), "box", 1),
                Err(ConfigError::BadReplicaId)
            );
        }
    }

    #[test]
    fn the_scale_step_is_bounded() {
        let step = |v: Option<&str>| max_scale_step_from(|_| v.map(str::to_string));
        assert_eq!(step(None), Ok(50));
        assert_eq!(step(Some(" 7 ")), Ok(7));
        for bad in ["0", "-1", "1001", "ten"] {
            assert_eq!(step(Some(bad)), Err(ConfigError::BadMaxScaleStep), "{bad}");
        }
    }

    #[test]
    fn no_endpoint_means_the_simulator() {
        assert!(matches!(
            upstream(&[]),
            Ok(Upstream::Simulator {
                seed: 1,
                time_scale: 1.0,
                addr: None,
                token: None,
                ..
            })
        ));
        assert!(matches!(
            upstream(&[("EVERAI_ENDPOINT", "  ")]),
            Ok(Upstream::Simulator { .. })
        ));
        assert!(matches!(
            upstream(&[("EVERAI_SIM_SEED", "42"), ("EVERAI_SIM_TIME_SCALE", "60")]),
            Ok(Upstream::Simulator {
                seed: 42,
                time_scale: 60.0,
                ..
            })
        ));
        let Ok(Upstream::Simulator {
            addr: Some(addr),
            token: Some(token),
            ..
        }) = upstream(&[
            ("EVERAI_SIM_ADDR", "127.0.0.1:8900"),
            ("EVERAI_SIM_TOKEN", "e2e"),
        ])
        else {
            panic!("expected a fixed address and token");
        };
        assert_eq!(
            (addr.to_string(), token.expose_secret()),
            ("127.0.0.1:8900".into(), "e2e")
        );
    }

    #[test]
    fn bad_simulator_settings_are_refused() {
        for (name, value, want) in [
            ("EVERAI_SIM_SEED", "-1", ConfigError::BadSeed),
            ("EVERAI_SIM_SEED", "abc", ConfigError::BadSeed),
            ("EVERAI_SIM_TIME_SCALE", "0", ConfigError::BadTimeScale),
            ("EVERAI_SIM_TIME_SCALE", "fast", ConfigError::BadTimeScale),
            ("EVERAI_SIM_TIME_SCALE", "NaN", ConfigError::BadTimeScale),
            ("EVERAI_SIM_TIME_SCALE", "1e9", ConfigError::BadTimeScale),
            ("EVERAI_SIM_ADDR", "0.0.0.0:8900", ConfigError::BadSimAddr),
            ("EVERAI_SIM_ADDR", "127.0.0.1", ConfigError::BadSimAddr),
            ("EVERAI_SIM_ADDR", "localhost:8900", ConfigError::BadSimAddr),
            ("EVERAI_SIM_TOKEN", "a b", ConfigError::SimTokenNotPrintable),
            ("EVERAI_SIM_USERS", "ana", ConfigError::BadSimUsers),
            ("EVERAI_SIM_USERS", "ana:", ConfigError::BadSimUsers),
            ("EVERAI_SIM_USERS", ":tok", ConfigError::BadSimUsers),
        ] {
            assert_eq!(
                upstream(&[(name, value)]).unwrap_err(),
                want,
                "{name}={value}"
            );
        }
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

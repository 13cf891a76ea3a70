//! Namespace and app names, checked before they go into a URL.
//!
//! The rule (an allow-list, stricter than the platform needs, so that nothing
//! odd can ever reach a path):
//! - 1 to 63 characters;
//! - ASCII letters, digits, `-`, `_` and `.`;
//! - the first and the last character a letter or a digit.
//!
//! So `.`, `..`, `/`, `%`, `:`, spaces, control characters and non-ASCII text
//! never pass, and a valid name is always a single, harmless path segment.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest name accepted.
pub const MAX_NAME_LEN: usize = 63;

/// Why a name was refused; the message names the field and the problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum NameError {
    #[error("{kind} is empty")]
    Empty { kind: NameKind },
    #[error("{kind} is {len} characters long; at most {MAX_NAME_LEN} are allowed")]
    TooLong { kind: NameKind, len: usize },
    #[error(
        "{kind} may only contain letters, digits, '-', '_' and '.'; {found} at position {position} is not allowed"
    )]
    BadCharacter {
        kind: NameKind,
        /// A printable description of the character, e.g. `'/'` or `U+0000`.
        found: String,
        /// 1-based, counted in characters.
        position: usize,
    },
    #[error("{kind} must start and end with a letter or a digit")]
    BadEdge { kind: NameKind },
}

/// Which name a [`NameError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NameKind {
    Namespace,
    App,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Namespace => "The namespace",
            NameKind::App => "The app name",
        })
    }
}

fn check(kind: NameKind, raw: &str) -> Result<(), NameError> {
    if raw.is_empty() {
        return Err(NameError::Empty { kind });
    }
    let len = raw.chars().count();
    if len > MAX_NAME_LEN {
        return Err(NameError::TooLong { kind, len });
    }
    for (i, c) in raw.chars().enumerate() {
        if !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            let found = if c.is_ascii_graphic() {
                format!("'{c}'")
            } else if c == ' ' {
                "a space".to_string()
            } else {
                format!("U+{:04X}", c as u32)
            };
            return Err(NameError::BadCharacter {
                kind,
                found,
                position: i + 1,
            });
        }
    }
    let bytes = raw.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return Err(NameError::BadEdge { kind });
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks `raw` against the rule in the module docs.
            pub fn parse(raw: &str) -> Result<Self, NameError> {
                check($kind, raw).map(|()| Self(raw.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, NameError> {
                Self::parse(s)
            }
        }

        // Deserialising checks the rule too, so an invalid name cannot be
        // smuggled in through JSON or a form.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

name_type!(
    /// A namespace name that passed the rule in the module docs.
    Namespace,
    NameKind::Namespace
);
name_type!(
    /// An app name that passed the rule in the module docs.
    AppName,
    NameKind::App
);

impl Default for Namespace {
    /// The platform's default namespace, `default`.
    fn default() -> Self {
        Namespace("default".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for ok in [
            "default",
            "a",
            "0",
            "my-app",
            "my_app.v2",
            "A.b-C_d9",
            &"x".repeat(63),
        ] {
            assert!(AppName::parse(ok).is_ok(), "{ok}");
            assert!(Namespace::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn path_tricks_and_odd_characters_are_refused() {
        for bad in [
            "", ".", "..", "/", "a/b", "%2F", "a%2e", "a b", " a", "a\0", "a\n", "a:b", "a?b",
            "a#b", "é", "-a", "a-", "_a", "a.", ".a", "a\\b", "app;rm",
        ] {
            assert!(AppName::parse(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn errors_say_what_is_wrong_and_where() {
        assert_eq!(
            AppName::parse("").unwrap_err().to_string(),
            "The app name is empty"
        );
        assert_eq!(
            Namespace::parse(&"n".repeat(64)).unwrap_err().to_string(),
            "The namespace is 64 characters long; at most 63 are allowed"
        );
        assert_eq!(
            AppName::parse("ab/c").unwrap_err().to_string(),
            "The app name may only contain letters, digits, '-', '_' and '.'; '/' at position 3 is not allowed"
        );
        assert!(
            AppName::parse("a b")
                .unwrap_err()
                .to_string()
                .contains("a space at position 2")
        );
        assert!(
            AppName::parse("a\u{0}")
                .unwrap_err()
                .to_string()
                .contains("U+0000 at position 2")
        );
        assert_eq!(
            AppName::parse("..").unwrap_err().to_string(),
            "The app name must start and end with a letter or a digit"
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 63 multi-byte characters would be over 63 bytes; they are refused
        // for being non-ASCII, not for being long.
        let err = AppName::parse(&"é".repeat(10)).unwrap_err();
        assert!(matches!(err, NameError::BadCharacter { position: 1, .. }));
    }

    #[test]
    fn deserialising_applies_the_rule() {
        let ok: AppName = serde_json::from_str("\"my-app\"").unwrap();
        assert_eq!(ok.as_str(), "my-app");
        assert!(serde_json::from_str::<AppName>("\"../etc\"").is_err());
    }
}

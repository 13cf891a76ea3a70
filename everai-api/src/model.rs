//! The API's data, decoded tolerantly.
//!
//! The platform speaks protobuf-JSON: a field whose value is zero or empty is
//! usually left out, so every field here has a default. Unknown fields are
//! ignored, an unknown status is kept as its raw text, and numbers are
//! accepted as JSON numbers or as strings (protobuf writes 64-bit integers
//! as strings). One odd value never fails a list: an unreadable time is
//! unknown, an unreadable number is a [`Reading::Odd`] that keeps what was
//! sent, a status of the wrong kind is unknown, and text of the wrong kind
//! is kept as its JSON; the list fails only when it is not a worker list.

use std::{borrow::Cow, fmt};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use time::{
    Date, Month, OffsetDateTime, PrimitiveDateTime, Time, format_description::well_known::Rfc3339,
};

macro_rules! wire_enum {
    (
        $(#[$doc:meta])*
        $name:ident, default $default:ident {
            $($variant:ident => $wire:literal, $label:literal;)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
            /// A value this console does not know (a newer platform, say),
            /// kept exactly as it came.
            Unknown(String),
        }

        impl $name {
            /// Every known value, in the platform's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)+];

            /// The value as the platform writes it, e.g. `STATUS_RUNNING`.
            pub fn wire(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(raw) => raw,
                }
            }

            /// The value for a person, e.g. `Running`; unknown values as they came.
            pub fn label(&self) -> &str {
                match self {
                    $($name::$variant => $label,)+
                    $name::Unknown(raw) => raw,
                }
            }

            /// Parses the wire form; anything else becomes [`Self::Unknown`].
            pub fn from_wire(raw: &str) -> Self {
                match raw {
                    $($wire => $name::$variant,)+
                    other => $name::Unknown(other.to_string()),
                }
            }

            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl Default for $name {
            /// Protobuf leaves out a zero enum, which is the UNSPECIFIED value.
            fn default() -> Self {
                $name::$default
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.wire())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Strings are the norm; a number (enum written as its index)
                // or null is kept rather than failing the whole list.
                Ok(match RawScalar::deserialize(d)? {
                    RawScalar::Null => $name::default(),
                    RawScalar::Text(s) => $name::from_wire(&s),
                    RawScalar::Number(n) => $name::Unknown(n.to_string()),
                    RawScalar::Other(json) => $name::Unknown(kept_odd(json)),
                })
            }
        }
    };
}

wire_enum!(
    /// A worker's `status`.
    WorkerStatus, default Unspecified {
        Unspecified => "STATUS_UNSPECIFIED", "Abnormal";
        Initialized => "STATUS_INITIALIZED", "Initializing";
        Pending => "STATUS_PENDING", "Pending";
        Running => "STATUS_RUNNING", "Running";
        Terminating => "STATUS_TERMINATING", "Terminating";
        Error => "STATUS_ERROR", "Error";
        Unavailable => "STATUS_UNAVAILABLE", "Unavailable";
        Terminated => "STATUS_TERMINATED", "Terminated";
        Created => "STATUS_CREATED", "Created";
    }
);

wire_enum!(
    /// A worker's `detailStatus`.
    DetailStatus, default Unspecified {
        Unspecified => "DETAIL_STATUS_UNSPECIFIED", "Abnormal";
        InFlight => "DETAIL_STATUS_IN_FLIGHT", "In flight";
        Remove => "DETAIL_STATUS_REMOVE", "Removing";
        Rollin => "DETAIL_STATUS_ROLLIN", "Rolling in";
        Busy => "DETAIL_STATUS_BUSY", "Busy";
        Free => "DETAIL_STATUS_FREE", "Free";
    }
);

wire_enum!(
    /// An app's status in the list of apps.
    AppStatus, default Unspecified {
        Unspecified => "STATUS_UNSPECIFIED", "Unknown";
        Deployed => "STATUS_DEPLOYED", "Deployed";
        Paused => "STATUS_PAUSED", "Paused";
        Terminating => "STATUS_TERMINATING", "Terminating";
        Deleted => "STATUS_DELETED", "Deleted";
    }
);

impl WorkerStatus {
    /// Still alive: shown without `showAll`.
    pub fn is_live(&self) -> bool {
        !matches!(self, WorkerStatus::Terminated | WorkerStatus::Error)
    }
}

/// A JSON scalar whatever its type, for tolerant decoding. Read by one
/// visitor rather than as an untagged enum: that would buffer every value
/// and build (and format) an error for each variant it tries, which made
/// decoding a big list several times slower. Text is borrowed from the
/// reply where it can be, and numbers stay numbers: most fields are read
/// without an allocation.
pub(crate) enum RawScalar<'de> {
    Null,
    Text(Cow<'de, str>),
    Number(serde_json::Number),
    /// Not a scalar of those kinds (a boolean, an object, a list), as its
    /// compact JSON.
    Other(String),
}

impl<'de> Deserialize<'de> for RawScalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> de::Visitor<'de> for Visit {
            type Value = RawScalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawScalar<'de>, E> {
                Ok(RawScalar::Other(v.to_string()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<RawScalar<'de>, A::Error> {
                other(de::value::SeqAccessDeserializer::new(seq), "[…]")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawScalar<'de>, A::Error> {
                other(de::value::MapAccessDeserializer::new(map), "{…}")
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawScalar<'de>, E> {
                Ok(RawScalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<RawScalar<'de>, E> {
                Ok(RawScalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawScalar<'de>, D::Error> {
                RawScalar::deserialize(d)
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<RawScalar<'de>, E> {
                Ok(RawScalar::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawScalar<'de>, E> {
                Ok(RawScalar::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawScalar<'de>, E> {
                Ok(RawScalar::Text(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawScalar<'de>, E> {
                Ok(RawScalar::Number(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawScalar<'de>, E> {
                Ok(RawScalar::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawScalar<'de>, E> {
                serde_json::Number::from_f64(v)
                    .map(RawScalar::Number)
                    .ok_or_else(|| E::custom(format!("expected a finite number, found {v}")))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// An object or a list where a scalar belongs, as its compact JSON on the
/// server, which reads the platform's replies. The browser reads only what
/// the console wrote (where an odd value is already text), so its build
/// skips the value and keeps `placeholder`: `serde_json::Value` would add
/// about 20 KB to the page's wasm.
fn other<'de, D: Deserializer<'de>>(d: D, placeholder: &str) -> Result<RawScalar<'de>, D::Error> {
    #[cfg(feature = "client")]
    {
        let _ = placeholder;
        Ok(RawScalar::Other(
            serde_json::Value::deserialize(d)?.to_string(),
        ))
    }
    #[cfg(not(feature = "client"))]
    {
        de::IgnoredAny::deserialize(d)?;
        Ok(RawScalar::Other(placeholder.to_string()))
    }
}

/// A point in time: RFC 3339 in UTC, kept to the nanosecond. The platform
/// (protobuf-JSON) writes 0, 3, 6 or 9 fractional digits, and so does
/// [`Timestamp::to_rfc3339`]; any count from 0 to 9, and offsets, are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp(OffsetDateTime);

/// Always in UTC (every constructor converts), so the calendar date and
/// time order them: cheaper than `OffsetDateTime`'s offset-aware order, and
/// big lists are sorted by time.
impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.0.date(), self.0.time()).cmp(&(other.0.date(), other.0.time()))
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Timestamp {
    pub fn parse(raw: &str) -> Option<Self> {
        Self::parse_utc(raw).or_else(|| {
            OffsetDateTime::parse(raw, &Rfc3339)
                .ok()
                .map(|t| Timestamp(t.to_offset(time::UtcOffset::UTC)))
        })
    }

    /// The shape the platform writes, `2024-05-01T12:34:56.123456789Z`
    /// (0 to 9 fractional digits), read field by field: a list holds
    /// thousands. Anything else (offsets, leap seconds, lower case, more
    /// digits) is left to the full RFC 3339 parser, which reads this shape
    /// the same way.
    fn parse_utc(raw: &str) -> Option<Self> {
        let b = raw.as_bytes();
        let shape = b.len() >= 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[b.len() - 1] == b'Z';
        if !shape {
            return None;
        }
        let digits = |from: usize, to: usize| {
            b[from..to].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let second = digits(17, 19)?;
        if second > 59 {
            return None;
        }
        let nanos = match &b[19..b.len() - 1] {
            [] => 0,
            [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
                digits(20, 20 + frac.len())? * 10u32.pow(9 - frac.len() as u32)
            }
            _ => return None,
        };
        let month = Month::try_from(u8::try_from(digits(5, 7)?).ok()?).ok()?;
        let date =
            Date::from_calendar_date(digits(0, 4)? as i32, month, digits(8, 10)? as u8).ok()?;
        let time = Time::from_hms_nano(
            digits(11, 13)? as u8,
            digits(14, 16)? as u8,
            second as u8,
            nanos,
        )
        .ok()?;
        Some(Timestamp(PrimitiveDateTime::new(date, time).assume_utc()))
    }

    pub fn from_unix_nanos(nanos: i128) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .map(Timestamp)
    }

    pub fn unix_nanos(&self) -> i128 {
        self.0.unix_timestamp_nanos()
    }

    /// Milliseconds since the Unix epoch (what a browser's clock counts),
    /// rounded down. Whole seconds and the millisecond within the second,
    /// not a 128-bit division of the nanoseconds: a page reads this for
    /// thousands of times.
    pub fn unix_millis(&self) -> i64 {
        self.0.unix_timestamp() * 1000 + i64::from(self.0.millisecond())
    }

    pub fn datetime(&self) -> OffsetDateTime {
        self.0
    }

    /// RFC 3339 in UTC as the platform (protobuf-JSON) writes it: no
    /// fraction, or 3, 6 or 9 fractional digits, the fewest that keep the
    /// value (`.300Z`, not `.3Z`). A year outside 0–9999, which RFC 3339
    /// cannot write, comes out as whole seconds since the epoch.
    pub fn to_rfc3339(&self) -> String {
        use std::fmt::Write;
        let t = self.0;
        if !(0..=9999).contains(&t.year()) {
            return t.unix_timestamp().to_string();
        }
        let mut out = String::with_capacity(30);
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        let _ = match t.nanosecond() {
            0 => Ok(()),
            n if n % 1_000_000 == 0 => write!(out, ".{:03}", n / 1_000_000),
            n if n % 1_000 == 0 => write!(out, ".{:06}", n / 1_000),
            n => write!(out, ".{n:09}"),
        };
        out.push('Z');
        out
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        Timestamp(t.to_offset(time::UtcOffset::UTC))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Timestamp::parse(&raw)
            .ok_or_else(|| de::Error::custom(format!("not an RFC 3339 time: {raw:?}")))
    }
}

/// A missing, null, empty or unparseable time is "not known": one odd value
/// must not hide a whole list of workers.
pub(crate) fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(match RawScalar::deserialize(d)? {
        RawScalar::Text(s) => Timestamp::parse(&s),
        RawScalar::Null | RawScalar::Number(_) | RawScalar::Other(_) => None,
    })
}

/// A count: a JSON number or a numeric string; null is zero (the apps
/// list's counts, which only the server reads).
#[cfg(any(feature = "client", test))]
pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let text = match RawScalar::deserialize(d)? {
        RawScalar::Null => return Ok(0),
        RawScalar::Number(n) => match n.as_u64() {
            Some(count) => return Ok(count),
            None => Cow::Owned(n.to_string()),
        },
        RawScalar::Text(s) => s,
        RawScalar::Other(json) => Cow::Owned(json),
    };
    parse_count(&text).ok_or_else(|| de::Error::custom(format!("expected a count, found {text:?}")))
}

fn parse_count(s: &str) -> Option<u64> {
    let s = s.trim();
    s.parse::<u64>().ok().or_else(|| {
        // 2.0 from a float field is still 2; -1 or 2.5 is not a count.
        let f = s.parse::<f64>().ok()?;
        (f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64).then_some(f as u64)
    })
}

/// A number as the platform sent it: its value, or, when what was sent
/// cannot be read as one (a negative or fractional count, text that is not
/// a number, an object), that value as text. An odd value blanks and marks
/// its own cell only; the worker and the list are shown as usual. A missing
/// or null field is zero: protobuf-JSON leaves zero out.
///
/// It is written back as it was read: the value as a number, an odd one as
/// its text, which reads back as the same odd value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reading<T> {
    Value(T),
    Odd(String),
}

/// What is kept of an odd value: its first 63 characters and "…" when it
/// is longer (an object can be any size). Cutting a cut value changes
/// nothing, so it still writes back as it was read.
pub(crate) fn kept_odd(raw: impl Into<String>) -> String {
    const KEEP: usize = 64;
    let raw = raw.into();
    if raw.chars().count() <= KEEP {
        return raw;
    }
    let mut cut: String = raw.chars().take(KEEP - 1).collect();
    cut.push('…');
    cut
}

impl<T: Copy> Reading<T> {
    /// The value, if the platform sent a readable one.
    pub fn value(&self) -> Option<T> {
        match self {
            Reading::Value(v) => Some(*v),
            Reading::Odd(_) => None,
        }
    }

    /// What the platform sent, when it could not be read.
    pub fn odd(&self) -> Option<&str> {
        match self {
            Reading::Value(_) => None,
            Reading::Odd(raw) => Some(raw),
        }
    }
}

impl<T: Default> Default for Reading<T> {
    fn default() -> Self {
        Reading::Value(T::default())
    }
}

impl<T> From<T> for Reading<T> {
    fn from(v: T) -> Self {
        Reading::Value(v)
    }
}

impl<T: Serialize> Serialize for Reading<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Reading::Value(v) => v.serialize(s),
            Reading::Odd(raw) => s.serialize_str(raw),
        }
    }
}

/// A count: a JSON number or a numeric string, whole and not negative.
impl<'de> Deserialize<'de> for Reading<u64> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match RawScalar::deserialize(d)? {
            RawScalar::Null => Reading::Value(0),
            RawScalar::Number(n) => match n.as_u64().or_else(|| parse_count(&n.to_string())) {
                Some(count) => Reading::Value(count),
                None => Reading::Odd(kept_odd(n.to_string())),
            },
            RawScalar::Text(s) => match parse_count(&s) {
                Some(count) => Reading::Value(count),
                None => Reading::Odd(kept_odd(s.into_owned())),
            },
            RawScalar::Other(json) => Reading::Odd(kept_odd(json)),
        })
    }
}

/// A quantity that may be fractional (CPUs): finite and not negative.
impl<'de> Deserialize<'de> for Reading<f64> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let ok = |f: &f64| f.is_finite() && *f >= 0.0;
        Ok(match RawScalar::deserialize(d)? {
            RawScalar::Null => Reading::Value(0.0),
            RawScalar::Number(n) => match n.as_f64().filter(ok) {
                Some(f) => Reading::Value(f),
                None => Reading::Odd(kept_odd(n.to_string())),
            },
            RawScalar::Text(s) => match s.trim().parse::<f64>().ok().filter(ok) {
                Some(f) => Reading::Value(f),
                None => Reading::Odd(kept_odd(s.into_owned())),
            },
            RawScalar::Other(json) => Reading::Odd(kept_odd(json)),
        })
    }
}

/// Text; null is empty, and a number is kept as its digits.
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match RawScalar::deserialize(d)? {
        RawScalar::Null => String::new(),
        RawScalar::Text(s) => s.into_owned(),
        RawScalar::Number(n) => n.to_string(),
        RawScalar::Other(json) => json,
    })
}

/// One worker (container) of an app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Worker {
    #[serde(deserialize_with = "lenient_string")]
    pub id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub device_id: String,
    pub status: WorkerStatus,
    pub detail_status: DetailStatus,
    #[serde(deserialize_with = "lenient_time")]
    pub created_at: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub launch_at: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub last_serve_at: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub deleted_at: Option<Timestamp>,
    /// The platform writes `stopAt` as a plain string.
    #[serde(deserialize_with = "lenient_string")]
    pub stop_at: String,
    pub success_count: Reading<u64>,
    pub failed_count: Reading<u64>,
    pub session_number: Reading<u64>,
    #[serde(rename = "CPUs")]
    pub cpus: Reading<f64>,
    /// MiB.
    pub memory: Reading<u64>,
    #[serde(rename = "GPUName", deserialize_with = "lenient_string")]
    pub gpu_name: String,
    #[serde(rename = "GPUs")]
    pub gpus: Reading<u64>,
    #[serde(deserialize_with = "lenient_string")]
    pub gpu_model: String,
    pub gpu_num: Reading<u64>,
    #[serde(deserialize_with = "lenient_string")]
    pub app_id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub app_revision: String,
    #[serde(deserialize_with = "lenient_string")]
    pub replace_worker_id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub user_id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub request_id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub device_public_address: String,
    #[serde(deserialize_with = "lenient_string")]
    pub area: String,
}

impl Worker {
    /// The worker's GPU model: the platform's models carry it as `GPUName`
    /// and as `gpuModel`; whichever it filled (`GPUName` when both).
    pub fn gpu(&self) -> &str {
        if self.gpu_name.is_empty() {
            &self.gpu_model
        } else {
            &self.gpu_name
        }
    }

    /// The worker's GPU count: `GPUs`, or `gpuNum` when only that is
    /// filled; odd when neither holds a count above zero and one is odd.
    pub fn gpu_count(&self) -> Reading<u64> {
        match (&self.gpus, &self.gpu_num) {
            (Reading::Value(0), Reading::Value(0)) => Reading::Value(0),
            (Reading::Value(n), _) if *n > 0 => Reading::Value(*n),
            (_, Reading::Value(n)) if *n > 0 => Reading::Value(*n),
            (Reading::Odd(_), _) => self.gpus.clone(),
            _ => self.gpu_num.clone(),
        }
    }

    /// `launchAt − createdAt`, when both are known and in order.
    pub fn cold_start(&self) -> Option<time::Duration> {
        let d = self.launch_at?.datetime() - self.created_at?.datetime();
        (!d.is_negative()).then_some(d)
    }
}

/// The reply to "list workers".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WorkerList {
    pub workers: Vec<Worker>,
    pub queue_size: Reading<u64>,
    #[serde(deserialize_with = "lenient_string")]
    pub queue_name: String,
    #[serde(deserialize_with = "lenient_time")]
    pub last_scale_up_time: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub last_scale_down_delete_time: Option<Timestamp>,
    /// 0 when the platform did not say.
    pub max_workers: Reading<u64>,
}

/// One app in the list of a namespace's apps, flattened from the platform's
/// `{"appV1alpha1": {"metadata": …, "status": …}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppSummary {
    pub name: String,
    pub namespace: String,
    pub created_at: Option<Timestamp>,
    pub status: AppStatus,
    pub desired_workers: u64,
    pub ready_workers: u64,
}

/// The platform's wrapper shapes, only for decoding.
#[cfg(any(feature = "client", test))]
pub(crate) mod wire {
    use super::*;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct AppList {
        pub apps: Vec<AppItem>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    pub struct AppItem {
        pub app_v1alpha1: AppV1Alpha1,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct AppV1Alpha1 {
        pub metadata: Metadata,
        pub status: Status,
    }

    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    pub struct Metadata {
        #[serde(deserialize_with = "lenient_string")]
        pub name: String,
        #[serde(deserialize_with = "lenient_string")]
        pub namespace: String,
        #[serde(deserialize_with = "lenient_time")]
        pub created_at: Option<Timestamp>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    pub struct Status {
        #[serde(deserialize_with = "lenient_u64")]
        pub desired_worker: u64,
        #[serde(deserialize_with = "lenient_u64")]
        pub ready_worker: u64,
        pub status: AppStatus,
    }

    impl From<AppItem> for AppSummary {
        fn from(item: AppItem) -> Self {
            let app = item.app_v1alpha1;
            AppSummary {
                name: app.metadata.name,
                namespace: app.metadata.namespace,
                created_at: app.metadata.created_at,
                status: app.status.status,
                desired_workers: app.status.desired_worker,
                ready_workers: app.status.ready_worker,
            }
        }
    }

    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    pub struct ScaleUpReply {
        pub worker_ids: Vec<String>,
    }

    /// The request bodies: counts are strings (protobuf int64).
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ScaleUpBody {
        pub scale_up_workers_num: String,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ScaleDownBody<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub scale_down_workers_num: Option<String>,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        pub worker_ids: &'a [String],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list from the platform's API reference, verbatim.
    const SEED: &str = r#"{
"workers": [
{
"id": "JYdCWQfbKLAhEf8WnZUY34",
"deviceId": "95fa81d0-c46c-4d77-9194-20c65eb34733",
"status": "STATUS_RUNNING",
"detailStatus": "DETAIL_STATUS_FREE",
"createdAt": "2024-09-29T09:35:18.362Z",
"launchAt": "2024-09-29T09:35:23.443Z",
"lastServeAt": "2024-09-29T09:36:02.218108Z",
"successCount": 1,
"CPUs": 2,
"memory": 1024,
"appId": "nmusD8nfVdsdc8q3cAmcbE"
},
{
"id": "LZeebuHERVEcWxfaw3z7vJ",
"deviceId": "c2f3a824-0b33-4f14-a4c1-a4e417c90755",
"status": "STATUS_RUNNING",
"detailStatus": "DETAIL_STATUS_FREE",
"createdAt": "2024-09-29T09:35:18.370Z",
"launchAt": "2024-09-29T09:35:23.547Z",
"lastServeAt": "2024-09-29T09:35:35.387883192Z",
"CPUs": 2,
"memory": 1024,
"appId": "nmusD8nfVdsdc8q3cAmcbE"
}
]
}"#;

    #[test]
    fn unix_millis_rounds_down_on_both_sides_of_the_epoch() {
        for (raw, ms) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2024-09-29T09:36:02.218108Z", 1_727_602_562_218),
            ("2024-09-29T09:36:02.999999999Z", 1_727_602_562_999),
            ("1969-12-31T23:59:59.9995Z", -1),
            ("1969-12-31T23:59:58.5Z", -1_500),
        ] {
            let t = Timestamp::parse(raw).unwrap();
            assert_eq!(t.unix_millis(), ms, "{raw}");
            assert_eq!(
                i128::from(t.unix_millis()),
                t.unix_nanos().div_euclid(1_000_000),
                "{raw}"
            );
        }
    }

    #[test]
    fn the_reference_example_decodes() {
        let list: WorkerList = serde_json::from_str(SEED).unwrap();
        assert_eq!(list.workers.len(), 2);
        let w = &list.workers[0];
        assert_eq!(w.id, "JYdCWQfbKLAhEf8WnZUY34");
        assert_eq!(w.status, WorkerStatus::Running);
        assert_eq!(w.detail_status, DetailStatus::Free);
        assert_eq!(w.success_count, 1.into());
        assert_eq!(w.cpus, 2.0.into());
        assert_eq!(w.memory, 1024.into());
        assert_eq!(w.cold_start(), Some(time::Duration::milliseconds(5_081)));
        // The second worker has no successCount: zero, as protobuf meant.
        assert_eq!(list.workers[1].success_count, Reading::Value(0));
        assert_eq!(
            list.workers[1].last_serve_at.unwrap().unix_nanos() % 1_000_000_000,
            387_883_192
        );
    }

    #[test]
    fn timestamps_take_zero_to_nine_fractional_digits() {
        let base = Timestamp::parse("2024-09-29T09:35:18Z").unwrap();
        for (raw, nanos) in [
            ("2024-09-29T09:35:18Z", 0),
            ("2024-09-29T09:35:18.3Z", 300_000_000),
            ("2024-09-29T09:35:18.362Z", 362_000_000),
            ("2024-09-29T09:35:18.218108Z", 218_108_000),
            ("2024-09-29T09:35:18.387883192Z", 387_883_192),
            ("2024-09-29T11:35:18.5+02:00", 500_000_000),
        ] {
            let t = Timestamp::parse(raw).unwrap_or_else(|| panic!("{raw}"));
            assert_eq!(t.unix_nanos() - base.unix_nanos(), nanos, "{raw}");
        }
        assert_eq!(
            Timestamp::parse("2024-09-29T09:35:18.387883192Z")
                .unwrap()
                .to_rfc3339(),
            "2024-09-29T09:35:18.387883192Z"
        );
    }

    #[test]
    fn timestamps_are_written_with_none_three_six_or_nine_fractional_digits() {
        for (raw, written) in [
            ("2024-09-29T09:35:18Z", "2024-09-29T09:35:18Z"),
            ("2024-09-29T09:35:18.000Z", "2024-09-29T09:35:18Z"),
            ("2024-09-29T09:35:18.3Z", "2024-09-29T09:35:18.300Z"),
            ("2024-09-29T09:35:18.362Z", "2024-09-29T09:35:18.362Z"),
            ("2024-09-29T09:35:18.3621Z", "2024-09-29T09:35:18.362100Z"),
            ("2024-09-29T09:35:18.218108Z", "2024-09-29T09:35:18.218108Z"),
            ("2024-09-29T09:35:18.21810Z", "2024-09-29T09:35:18.218100Z"),
            (
                "2024-09-29T09:35:18.0000001Z",
                "2024-09-29T09:35:18.000000100Z",
            ),
            (
                "2024-09-29T09:35:18.387883192Z",
                "2024-09-29T09:35:18.387883192Z",
            ),
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
            ("2024-09-29T11:35:18.5+02:00", "2024-09-29T09:35:18.500Z"),
        ] {
            let t = Timestamp::parse(raw).unwrap_or_else(|| panic!("{raw}"));
            assert_eq!(t.to_rfc3339(), written, "{raw}");
            assert_eq!(Timestamp::parse(written), Some(t), "{written} reads back");
        }
    }

    #[test]
    fn unknown_values_and_fields_do_not_break_decoding() {
        let w: Worker = serde_json::from_str(
            r#"{"id":"w1","status":"STATUS_HIBERNATING","detailStatus":7,
                "createdAt":"yesterday","launchAt":null,"somethingNew":{"a":[1]},
                "successCount":"12","failedCount":null,"CPUs":"0.5","GPUs":"2.0"}"#,
        )
        .unwrap();
        assert_eq!(w.status, WorkerStatus::Unknown("STATUS_HIBERNATING".into()));
        assert_eq!(w.status.label(), "STATUS_HIBERNATING");
        assert_eq!(w.detail_status, DetailStatus::Unknown("7".into()));
        assert_eq!(w.created_at, None);
        assert_eq!(w.launch_at, None);
        assert_eq!(w.success_count, Reading::Value(12));
        assert_eq!(w.failed_count, Reading::Value(0));
        assert_eq!(w.cpus, Reading::Value(0.5));
        assert_eq!(w.gpus, Reading::Value(2));
    }

    #[test]
    fn the_gpu_is_whichever_of_the_two_fields_the_platform_filled() {
        let w: Worker = serde_json::from_str(r#"{"gpuModel":"A10","gpuNum":"2"}"#).unwrap();
        assert_eq!((w.gpu(), w.gpu_count()), ("A10", 2.into()));
        let w: Worker = serde_json::from_str(r#"{"GPUName":"A100","GPUs":1}"#).unwrap();
        assert_eq!((w.gpu(), w.gpu_count()), ("A100", 1.into()));
        let w: Worker =
            serde_json::from_str(r#"{"GPUName":"H100","GPUs":8,"gpuModel":"x","gpuNum":1}"#)
                .unwrap();
        assert_eq!((w.gpu(), w.gpu_count()), ("H100", 8.into()));
        assert_eq!(
            (Worker::default().gpu(), Worker::default().gpu_count()),
            ("", 0.into())
        );
        let w: Worker = serde_json::from_str(r#"{"GPUs":-1,"gpuNum":2}"#).unwrap();
        assert_eq!(w.gpu_count(), 2.into(), "the readable one");
        let w: Worker = serde_json::from_str(r#"{"GPUs":-1}"#).unwrap();
        assert_eq!(w.gpu_count().odd(), Some("-1"));
    }

    #[test]
    fn an_empty_object_is_a_worker_with_zero_values() {
        let w: Worker = serde_json::from_str("{}").unwrap();
        assert_eq!(w.status, WorkerStatus::Unspecified);
        assert_eq!(w.detail_status, DetailStatus::Unspecified);
        assert_eq!(w, Worker::default());
        let list: WorkerList = serde_json::from_str("{}").unwrap();
        assert!(list.workers.is_empty());
    }

    #[test]
    fn an_odd_value_blanks_its_own_field_and_nothing_else() {
        // An object or a list is kept as its JSON where the platform's
        // replies are read (the server); the browser keeps a placeholder.
        let json = |server: &'static str, browser: &'static str| {
            if cfg!(feature = "client") {
                server
            } else {
                browser
            }
        };
        for (bad, field, raw) in [
            (r#""successCount":"many""#, "successCount", "many"),
            (r#""successCount":-1"#, "successCount", "-1"),
            (r#""failedCount":2.5"#, "failedCount", "2.5"),
            (r#""memory":true"#, "memory", "true"),
            (r#""CPUs":-2"#, "CPUs", "-2"),
            (r#""GPUs":{"n":1}"#, "GPUs", json(r#"{"n":1}"#, "{…}")),
            (
                r#""sessionNumber":[1]"#,
                "sessionNumber",
                json("[1]", "[…]"),
            ),
        ] {
            let json =
                format!(r#"{{"id":"w1","status":"STATUS_RUNNING","appRevision":"v3",{bad}}}"#);
            let w: Worker = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{bad}: {e}"));
            assert_eq!(
                (w.id.as_str(), &w.status),
                ("w1", &WorkerStatus::Running),
                "{bad}"
            );
            let odd = match field {
                "successCount" => w.success_count.odd(),
                "failedCount" => w.failed_count.odd(),
                "memory" => w.memory.odd(),
                "CPUs" => w.cpus.odd(),
                "GPUs" => w.gpus.odd(),
                _ => w.session_number.odd(),
            };
            assert_eq!(odd, Some(raw), "{bad}");
            // Written back as it was read.
            let again: Worker = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
            assert_eq!(again, w, "{bad}");
        }
        // A big odd value is kept cut, and the cut one writes back as it is.
        #[cfg(feature = "client")]
        {
            let big = format!(r#"{{"CPUs":{{"pad":"{}"}}}}"#, "x".repeat(500));
            let w: Worker = serde_json::from_str(&big).unwrap();
            let kept = w.cpus.odd().unwrap();
            assert_eq!(kept.chars().count(), 64);
            assert!(
                kept.starts_with(r#"{"pad":"xxx"#) && kept.ends_with('…'),
                "{kept}"
            );
            let again: Worker = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
            assert_eq!(again, w);
        }
        // A status that is not a scalar is an unknown status, its JSON kept.
        let w: Worker =
            serde_json::from_str(r#"{"id":"w2","status":{"phase":"up"},"detailStatus":[2]}"#)
                .unwrap();
        assert_eq!(
            w.status,
            WorkerStatus::Unknown(json(r#"{"phase":"up"}"#, "{…}").into())
        );
        assert_eq!(
            w.detail_status,
            DetailStatus::Unknown(json("[2]", "[…]").into())
        );
        // So is text of the wrong kind.
        let w: Worker = serde_json::from_str(r#"{"id":7,"appRevision":{"v":1}}"#).unwrap();
        assert_eq!(
            (w.id.as_str(), w.app_revision.as_str()),
            ("7", json(r#"{"v":1}"#, "{…}"))
        );
        // One odd worker leaves the list and its other workers whole; so
        // does an odd field of the list itself.
        let list: WorkerList = serde_json::from_str(
            r#"{"workers":[{"id":"a","successCount":-5},{"id":"b","successCount":4}],
                "maxWorkers":"ten","queueSize":1.5}"#,
        )
        .unwrap();
        assert_eq!(list.workers.len(), 2);
        assert_eq!(list.workers[1].success_count, Reading::Value(4));
        assert_eq!(list.max_workers.odd(), Some("ten"));
        assert_eq!(list.queue_size.odd(), Some("1.5"));
        // What is not a worker list still fails.
        assert!(serde_json::from_str::<WorkerList>(r#"{"workers":{}}"#).is_err());
        assert!(serde_json::from_str::<WorkerList>(r#"{"workers":[1]}"#).is_err());
    }

    #[test]
    fn cpus_are_read_from_numbers_text_or_null_and_bad_ones_are_kept_as_sent() {
        for (raw, cpus) in [("2", 2.0), ("0.5", 0.5), (r#"" 1.5 ""#, 1.5), ("null", 0.0)] {
            let w: Worker = serde_json::from_str(&format!(r#"{{"CPUs":{raw}}}"#)).unwrap();
            assert_eq!(w.cpus, cpus.into(), "{raw}");
        }
        for (raw, kept) in [("-2", "-2"), (r#""lots""#, "lots"), (r#""-0.5""#, "-0.5")] {
            let w: Worker = serde_json::from_str(&format!(r#"{{"CPUs":{raw}}}"#)).unwrap();
            assert_eq!(w.cpus.odd(), Some(kept), "{raw}");
        }
    }

    #[test]
    fn the_wire_strings_are_the_references_own() {
        // Written out from the API reference (the seed's two tables), not
        // from the table the decoder uses: a typo there fails here.
        let statuses: Vec<&str> = WorkerStatus::KNOWN.iter().map(|s| s.wire()).collect();
        assert_eq!(
            statuses,
            [
                "STATUS_UNSPECIFIED",
                "STATUS_INITIALIZED",
                "STATUS_PENDING",
                "STATUS_RUNNING",
                "STATUS_TERMINATING",
                "STATUS_ERROR",
                "STATUS_UNAVAILABLE",
                "STATUS_TERMINATED",
                "STATUS_CREATED",
            ]
        );
        let details: Vec<&str> = DetailStatus::KNOWN.iter().map(|s| s.wire()).collect();
        assert_eq!(
            details,
            [
                "DETAIL_STATUS_UNSPECIFIED",
                "DETAIL_STATUS_IN_FLIGHT",
                "DETAIL_STATUS_REMOVE",
                "DETAIL_STATUS_ROLLIN",
                "DETAIL_STATUS_BUSY",
                "DETAIL_STATUS_FREE",
            ]
        );
    }

    #[test]
    fn all_nine_statuses_and_six_detail_statuses_are_known() {
        assert_eq!(WorkerStatus::KNOWN.len(), 9);
        assert_eq!(DetailStatus::KNOWN.len(), 6);
        for s in WorkerStatus::KNOWN {
            assert_eq!(&WorkerStatus::from_wire(s.wire()), s);
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(&serde_json::from_str::<WorkerStatus>(&json).unwrap(), s);
        }
        for s in DetailStatus::KNOWN {
            assert_eq!(&DetailStatus::from_wire(s.wire()), s);
        }
    }

    #[test]
    fn apps_are_flattened_from_the_platform_shape() {
        let list: wire::AppList = serde_json::from_str(
            r#"{"apps":[{"appV1alpha1":{"metadata":{"name":"sd","namespace":"default",
                "createdAt":"2024-09-01T00:00:00Z","labels":{"x":"y"}},"spec":{"image":"i"},
                "status":{"desiredWorker":3,"readyWorker":"2","status":"STATUS_DEPLOYED"}}},
                {"appV1alpha1":{"metadata":{"name":"idle"}}}]}"#,
        )
        .unwrap();
        let apps: Vec<AppSummary> = list.apps.into_iter().map(Into::into).collect();
        assert_eq!(apps[0].name, "sd");
        assert_eq!(apps[0].status, AppStatus::Deployed);
        assert_eq!((apps[0].desired_workers, apps[0].ready_workers), (3, 2));
        assert_eq!(apps[1].status, AppStatus::Unspecified);
        assert_eq!(apps[1].ready_workers, 0);
    }

    #[test]
    fn request_bodies_carry_counts_as_strings() {
        let up = serde_json::to_string(&wire::ScaleUpBody {
            scale_up_workers_num: 3.to_string(),
        })
        .unwrap();
        assert_eq!(up, r#"{"scaleUpWorkersNum":"3"}"#);
        let ids = vec!["a".to_string(), "b".to_string()];
        let down = serde_json::to_string(&wire::ScaleDownBody {
            scale_down_workers_num: Some("2".into()),
            worker_ids: &ids,
        })
        .unwrap();
        assert_eq!(down, r#"{"scaleDownWorkersNum":"2","workerIds":["a","b"]}"#);
        let only_ids = serde_json::to_string(&wire::ScaleDownBody {
            scale_down_workers_num: None,
            worker_ids: &ids,
        })
        .unwrap();
        assert_eq!(only_ids, r#"{"workerIds":["a","b"]}"#);
    }
}

//! How many requests an app served, by time bucket and by user
//! (`GET …/apps/{name}/request_statistic`, `V1ListAppRequestStatisticResponse`).
//!
//! The platform's models give the reply as a map from a string to the
//! bucket's per-user counts, and say nothing of what the string is; its
//! CLI never calls the endpoint. The console reads a key as the start of
//! its bucket when it is an RFC 3339 time or a count of Unix seconds (or
//! milliseconds), and otherwise keeps it as text, shown as sent and sorted
//! after the times. Decoded as tolerantly as the worker list: an odd count
//! is kept as its text, a bucket or user of the wrong kind is left out.

use serde::Deserialize;

use crate::model::{Reading, Timestamp, lenient_string};

/// The bucket sizes the platform offers
/// (`ListAppRequestStatisticRequestInterval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatInterval {
    Hour,
    Day,
    Month,
}

impl StatInterval {
    /// As the platform's models spell it: the month is `INTERVAL_MOUTH`.
    pub fn wire(self) -> &'static str {
        match self {
            StatInterval::Hour => "INTERVAL_HOUR",
            StatInterval::Day => "INTERVAL_DAY",
            StatInterval::Month => "INTERVAL_MOUTH",
        }
    }
}

/// One user's requests in one bucket (`V1RequestStatistic`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserRequests {
    #[serde(rename = "userName", deserialize_with = "lenient_string")]
    pub user: String,
    #[serde(rename = "totalRequest")]
    pub total: Reading<u64>,
    #[serde(rename = "successRequest")]
    pub succeeded: Reading<u64>,
    #[serde(rename = "failedRequest")]
    pub failed: Reading<u64>,
}

/// One entry of the reply's map.
#[derive(Debug, Clone, PartialEq)]
pub struct StatBucket {
    /// The key as the platform sent it.
    pub key: String,
    /// The key read as the start of the bucket, when it reads as a time.
    pub start: Option<Timestamp>,
    pub users: Vec<UserRequests>,
}

/// The reply, its buckets oldest first (keys that are not times last).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestStatistics {
    pub buckets: Vec<StatBucket>,
}

/// A map key as the start of a bucket: RFC 3339, or a whole number of Unix
/// seconds (milliseconds past 10^11, which seconds reach only in the year
/// 5138).
pub fn bucket_start(key: &str) -> Option<Timestamp> {
    let key = key.trim();
    if let Some(t) = Timestamp::parse(key) {
        return Some(t);
    }
    // A day ("2026-12-06") or a time without a zone ("2026-12-06 14:00"),
    // read as UTC.
    if let Some(t) = date_key(key) {
        return Some(t);
    }
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i128 = key.parse().ok()?;
    let nanos = if n < 100_000_000_000 {
        n.checked_mul(1_000_000_000)
    } else {
        n.checked_mul(1_000_000)
    };
    Timestamp::from_unix_nanos(nanos?)
}

/// "2026-12-06", "2026-12-06 14:00" or "2026-12-06T14:00:00" (no zone) as UTC.
fn date_key(key: &str) -> Option<Timestamp> {
    let (day, time) = match key.len() {
        10 => (key, "00:00:00"),
        16 if matches!(key.as_bytes()[10], b' ' | b'T') => (&key[..10], &key[11..]),
        19 if matches!(key.as_bytes()[10], b' ' | b'T') => (&key[..10], &key[11..]),
        _ => return None,
    };
    let time = if time.len() == 5 {
        format!("{time}:00")
    } else {
        time.to_string()
    };
    Timestamp::parse(&format!("{day}T{time}Z"))
}

impl RequestStatistics {
    /// Reads the reply. Only a reply that is not a JSON object is an error:
    /// `{}` (no buckets, as protobuf-JSON leaves an empty map out) is none,
    /// and an odd part blanks that part only.
    pub fn from_reply(reply: serde_json::Value) -> Result<Self, String> {
        let serde_json::Value::Object(mut reply) = reply else {
            return Err("the reply is not a JSON object".into());
        };
        let map = match reply.remove("requestStatistic") {
            Some(serde_json::Value::Object(map)) => map,
            None | Some(serde_json::Value::Null) => return Ok(RequestStatistics::default()),
            Some(_) => return Err("requestStatistic is not a map of buckets".into()),
        };
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Bucket {
            request_statistics: Vec<serde_json::Value>,
        }
        let mut buckets: Vec<StatBucket> = map
            .into_iter()
            .filter_map(|(key, value)| {
                let bucket = Bucket::deserialize(value).ok()?;
                let users = bucket
                    .request_statistics
                    .into_iter()
                    .filter_map(|u| UserRequests::deserialize(u).ok())
                    .collect();
                Some(StatBucket {
                    start: bucket_start(&key),
                    key,
                    users,
                })
            })
            .collect();
        buckets.sort_by(|a, b| {
            (a.start.is_none(), a.start, &a.key).cmp(&(b.start.is_none(), b.start, &b.key))
        });
        Ok(RequestStatistics { buckets })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_read_as_bucket_starts_and_odd_parts_blank_only_themselves() {
        let reply = json!({"requestStatistic": {
            "2026-12-06T01:00:00Z": {"requestStatistics": [
                {"userName": "studio-web", "totalRequest": 5, "successRequest": 4, "failedRequest": 1},
                {"userName": "batch", "totalRequest": "3", "successRequest": 3},
                "not a user"
            ]},
            "1796515200": {"requestStatistics": [{"userName": "u", "totalRequest": -2}]},
            "today": {"requestStatistics": []},
            "2026-12-05T00:00:00+08:00": "not a bucket"
        }});
        let stats = RequestStatistics::from_reply(reply).unwrap();
        let keys: Vec<&str> = stats.buckets.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["1796515200", "2026-12-06T01:00:00Z", "today"]);
        assert_eq!(
            stats.buckets[0].start.unwrap().to_rfc3339(),
            "2026-12-06T00:00:00Z"
        );
        assert_eq!(stats.buckets[2].start, None);
        let users = &stats.buckets[1].users;
        assert_eq!(users.len(), 2);
        assert_eq!(users[0].total, Reading::Value(5));
        assert_eq!(users[0].failed, Reading::Value(1));
        // Text counts read; a missing one is zero, as protobuf-JSON leaves it.
        assert_eq!(users[1].total, Reading::Value(3));
        assert_eq!(users[1].failed, Reading::Value(0));
        assert!(matches!(stats.buckets[0].users[0].total, Reading::Odd(_)));
    }

    #[test]
    fn an_empty_reply_has_no_buckets_and_a_wrong_one_is_an_error() {
        for empty in [
            json!({}),
            json!({"requestStatistic": {}}),
            json!({"requestStatistic": null}),
        ] {
            assert_eq!(
                RequestStatistics::from_reply(empty).unwrap(),
                RequestStatistics::default()
            );
        }
        assert!(RequestStatistics::from_reply(json!([1])).is_err());
        assert!(RequestStatistics::from_reply(json!({"requestStatistic": [1]})).is_err());
    }

    #[test]
    fn milliseconds_and_seconds_are_told_apart() {
        assert_eq!(
            bucket_start("1796515200000").map(|t| t.to_rfc3339()),
            bucket_start("1796515200").map(|t| t.to_rfc3339())
        );
        assert_eq!(bucket_start("-5"), None);
        // Too many digits for any time: no key, no overflow.
        assert_eq!(bucket_start(&"9".repeat(38)), None);
        // Days and times without a zone are UTC.
        let day = |k: &str| bucket_start(k).map(|t| t.to_rfc3339());
        assert_eq!(day("2026-12-06").as_deref(), Some("2026-12-06T00:00:00Z"));
        assert_eq!(
            day("2026-12-06 14:00").as_deref(),
            Some("2026-12-06T14:00:00Z")
        );
        assert_eq!(
            day("2026-12-06T14:00:30").as_deref(),
            Some("2026-12-06T14:00:30Z")
        );
        assert_eq!(day("2026-13-06"), None);
        assert_eq!(bucket_start(""), None);
    }
}

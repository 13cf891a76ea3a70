//! Properties of the decoders and validators, over generated input: they
//! never panic, and what they accept keeps its promises.

use everai_api::{AppName, Namespace, Timestamp, WorkerList, names::MAX_NAME_LEN};
use proptest::prelude::*;
use serde_json::{Map, Value};
use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

/// The platform's own field names (its models' aliases), so generated
/// JSON reaches every lenient decoder: texts, counts, CPUs, times and
/// statuses, in the worker and in the list.
const KEYS: &[&str] = &[
    "workers",
    "maxWorkers",
    "queueSize",
    "queueName",
    "lastScaleUpTime",
    "lastScaleDownDeleteTime",
    "id",
    "deviceId",
    "status",
    "detailStatus",
    "createdAt",
    "deletedAt",
    "launchAt",
    "lastServeAt",
    "successCount",
    "failedCount",
    "sessionNumber",
    "CPUs",
    "memory",
    "GPUName",
    "GPUs",
    "gpuModel",
    "gpuNum",
    "appRevision",
    "replaceWorkerId",
    "stopAt",
    "x",
];

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            ".{0,12}",
            Just("STATUS_RUNNING".to_string()),
            Just("DETAIL_STATUS_BUSY".to_string()),
            Just("2024-09-29T09:35:18.362Z".to_string()),
            Just("99999999999999999999".to_string()),
            Just("-1".to_string()),
            Just("2".to_string()),
            Just("2.5".to_string()),
            Just(" 1.0 ".to_string()),
            Just("2024-09-29T09:35:18.387883192Z".to_string()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn times_order_as_instants(a in any::<i64>(), b in any::<i64>()) {
        let (a, b) = (i128::from(a) * 7, i128::from(b) * 7);
        let (ta, tb) = (Timestamp::from_unix_nanos(a).unwrap(), Timestamp::from_unix_nanos(b).unwrap());
        prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
        prop_assert_eq!(ta == tb, a == b);
    }

    #[test]
    fn times_read_as_the_rfc_3339_parser_reads_them(
        (year, month, day) in (0u32..10_000, 0u32..14, 0u32..33),
        (hour, minute, second) in (0u32..25, 0u32..61, 0u32..62),
        fraction in "(\\.[0-9]{0,11})?",
        zone in "Z|z|\\+01:30|-00:00|",
        tail in "|x| ",
    ) {
        let raw = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{zone}{tail}");
        let expected = OffsetDateTime::parse(&raw, &Rfc3339).ok().map(|t| t.to_offset(UtcOffset::UTC));
        prop_assert_eq!(Timestamp::parse(&raw).map(|t| t.datetime()), expected, "{}", raw);
    }

    #[test]
    fn names_accept_only_what_a_url_segment_can_carry_unchanged(raw in ".{0,80}") {
        let accepted = [
            Namespace::parse(&raw).map(|n| n.as_str().to_string()),
            AppName::parse(&raw).map(|a| a.as_str().to_string()),
        ];
        for name in accepted.into_iter().flatten() {
            prop_assert!(!name.is_empty() && name.len() <= MAX_NAME_LEN);
            prop_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
            prop_assert!(name != "." && name != "..");
        }
    }

    #[test]
    fn worker_lists_decode_or_fail_cleanly_from_any_json(value in json()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        if let Ok(list) = serde_json::from_slice::<WorkerList>(&bytes) {
            // What decodes encodes and decodes to the same list.
            let again: WorkerList = serde_json::from_slice(&serde_json::to_vec(&list).unwrap()).unwrap();
            prop_assert_eq!(again, list);
        }
    }

    #[test]
    fn worker_lists_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<WorkerList>(&bytes);
    }
}

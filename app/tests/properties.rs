//! Properties of what the console reads from URLs and forms, over generated
//! input: no panic, and the canonical form of a view reads back as itself.

use app::{
    actions::{ScaleIntent, parse_count},
    audit::AuditQuery,
    filters::{SearchIndex, WorkerQuery},
    server_fns::session::safe_next,
};
use proptest::prelude::*;

/// Query pairs with the real keys and hostile values: percent signs,
/// `..`, slashes, NUL, very long and non-ASCII text.
fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "q", "status", "detail", "gpu", "sort", "dir", "page", "confirm", "count", "workers",
            "app", "actor", "outcome", "from", "to", "days", "action",
        ])
        .prop_map(str::to_string),
        ".{0,8}",
    ];
    let value = prop_oneof![
        ".{0,40}",
        "[0-9-]{0,12}",
        Just("%2F..%00".to_string()),
        Just("\u{0}".to_string()),
        Just("x".repeat(5_000)),
        Just("STATUS_RUNNING".to_string()),
        Just("DETAIL_STATUS_FREE".to_string()),
        Just("2026-02-30".to_string()),
        Just("default/image-resize".to_string()),
    ];
    prop::collection::vec((key, value), 0..10)
}

fn as_refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn a_worker_view_reads_back_from_its_own_link(pairs in pairs()) {
        let (query, _notes) = WorkerQuery::parse(as_refs(&pairs));
        let link = query.to_query_string();
        let (again, notes) = WorkerQuery::parse(as_refs(&query_pairs(&link)));
        prop_assert_eq!(again.to_query_string(), link.clone());
        prop_assert_eq!(
            (&again.statuses, &again.details, &again.search, again.sort, again.descending, again.page),
            (&query.statuses, &query.details, &query.search, query.sort, query.descending, query.page),
            "{}", link
        );
        prop_assert!(notes.is_empty(), "{:?} from {}", notes, link);
    }

    #[test]
    fn the_search_index_finds_what_a_scan_finds(
        fields in prop::collection::vec(("[a-cA-C\u{e9}\u{c9}\n-]{0,6}", "[a-cA-C\u{e9}\u{c9}\n-]{0,6}"), 0..12),
        search in "[a-cA-C\u{e9}\u{c9}\n-]{0,4}",
    ) {
        let workers: Vec<everai_api::Worker> = fields
            .into_iter()
            .map(|(id, device_id)| everai_api::Worker { id, device_id, ..Default::default() })
            .collect();
        let (query, _) = WorkerQuery::parse([("q", search.as_str())]);
        let index = SearchIndex::new(&workers);
        let (indexed, scanned) = (query.indexed_matcher(&index), query.matcher());
        for (i, w) in workers.iter().enumerate() {
            prop_assert_eq!(indexed(i, w), scanned(w), "{:?} in {:?} / {:?}", query.search, w.id, w.device_id);
        }
    }

    #[test]
    fn an_audit_view_reads_back_from_its_own_link(pairs in pairs()) {
        let query = AuditQuery::parse(as_refs(&pairs));
        let link = query.to_query_string();
        let again = AuditQuery::parse(as_refs(&query_pairs(&link)));
        prop_assert_eq!(again, query, "{}", link);
    }

    #[test]
    fn scale_intents_and_counts_never_panic(pairs in pairs(), raw in ".{0,20}") {
        let _ = ScaleIntent::parse(as_refs(&pairs));
        if let Ok(n) = parse_count(&raw) {
            prop_assert!(n >= 1);
            prop_assert_eq!(n.to_string(), raw.trim().trim_start_matches('0').to_string());
        }
    }

    #[test]
    fn after_sign_in_the_browser_only_goes_to_a_path_of_this_console(next in prop_oneof![
        ".{0,60}",
        "[/\\\\]{1,3}[a-z.:@]{0,20}",
        Just("/\t/evil.example".to_string()),
        Just("/%2F%2Fevil.example".to_string()),
    ]) {
        let to = safe_next(&next);
        prop_assert!(to.starts_with('/'));
        prop_assert!(!to.starts_with("//") && !to.starts_with("/\\"));
        prop_assert!(!to.chars().any(|c| c.is_control() || c == '\\'));
        // A browser resolves it against this console's origin.
        let resolved = url::Url::parse("https://console.example/").unwrap().join(&to).unwrap();
        prop_assert_eq!(resolved.host_str(), Some("console.example"));
    }

    #[test]
    fn exact_and_machine_times_read_as_the_formatter_writes_them(
        // Years 1 to 9999, and some before year 0.
        ms in prop_oneof![-62_135_596_800_000i64..253_402_300_799_999, -70_000_000_000_000i64..-62_135_596_800_000]
    ) {
        let t = everai_api::Timestamp::from_unix_nanos(i128::from(ms) * 1_000_000).unwrap();
        let d = t.datetime();
        let fields = (d.year(), u8::from(d.month()), d.day(), d.hour(), d.minute(), d.second(), d.millisecond());
        let (y, mo, da, h, mi, s, milli) = fields;
        prop_assert_eq!(
            app::format::exact(t),
            format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}.{milli:03} UTC")
        );
        prop_assert_eq!(
            app::format::machine(t),
            format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
        );
    }
}

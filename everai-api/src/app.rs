//! What the platform says about one app beyond its workers: its state and
//! autoscaler (`GET …/apps/{name}`, `V1App`), its request queue
//! (`GET …/request_queues`) and its events (`GET …/events`).
//!
//! Decoded as tolerantly as the worker list: every field has a default, an
//! unknown enum value is kept as its text, and a value of the wrong kind
//! blanks that value only.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{
    AppStatus, RawScalar, Timestamp, kept_odd, lenient_string, lenient_time, lenient_u64,
};

wire_enum!(
    /// Why a request waits (`ListRequestQueuesResponseQueueReason`).
    QueueReason, default Unspecified {
        Unspecified => "QueueReasonUnspecified", "Unspecified";
        NotDispatch => "QueueReasonNotDispatch", "Not dispatched";
        WorkerBusy => "QueueReasonWorkerBusy", "Worker busy";
        SessionWorkerBusy => "QueueReasonSessionWorkerBusy", "Session worker busy";
    }
);

/// One request waiting in an app's queue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QueuedRequest {
    /// Its place in the queue; the platform leaves out 0, as protobuf does
    /// with every zero.
    #[serde(deserialize_with = "lenient_u64")]
    pub index: u64,
    pub reason: QueueReason,
    /// When it arrived.
    #[serde(rename = "createAt", deserialize_with = "lenient_time")]
    pub create_at: Option<Timestamp>,
}

/// One event of an app (`V1Event`). Its `type` is free text in the
/// platform's models (the CLI strips an `EVENT_TYPE_` prefix), so it is
/// kept as text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppEvent {
    #[serde(rename = "type", deserialize_with = "lenient_string")]
    pub kind: String,
    #[serde(deserialize_with = "lenient_string")]
    pub message: String,
    #[serde(deserialize_with = "lenient_string")]
    pub from: String,
    #[serde(deserialize_with = "lenient_time")]
    pub created_at: Option<Timestamp>,
}

impl AppEvent {
    /// The type without the `EVENT_TYPE_` prefix, as the platform's CLI
    /// prints it.
    pub fn short_kind(&self) -> &str {
        self.kind.strip_prefix("EVENT_TYPE_").unwrap_or(&self.kind)
    }
}

/// Which end of the feed a page of events comes from (`V1OrderBy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOrder {
    NewestFirst,
    OldestFirst,
}

impl EventOrder {
    pub fn wire(self) -> &'static str {
        match self {
            EventOrder::NewestFirst => "OrderByDesc",
            EventOrder::OldestFirst => "OrderByAsc",
        }
    }
}

/// A page of events as asked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventPage {
    /// Newest first, whatever order the platform sent them in.
    pub events: Vec<AppEvent>,
    /// The page was full: older events may have been left out. The
    /// platform's reply has no page token, so the console cannot ask for
    /// the rest.
    pub cut: bool,
}

/// One argument of an autoscaler: a value, or a reference to a secret or
/// config map holding it (`Commonv1Value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArgValue {
    Text(String),
    /// `secret name/key` or `config map name/key`: the value is not shown.
    From(String),
}

impl ArgValue {
    /// The value as a whole number, when it is one.
    pub fn number(&self) -> Option<u64> {
        match self {
            ArgValue::Text(t) => t.trim().parse().ok(),
            ArgValue::From(_) => None,
        }
    }
}

/// A `time-match` argument decorator of a builtin autoscaler: while the
/// time in `timezone` matches a rule's cron, the arguments written with
/// that rule's prefix replace the plain ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOverride {
    /// An IANA zone; the platform's package reads none as UTC.
    pub timezone: Option<String>,
    /// `(cron of five fields, prefix)`, in the order the platform sent them.
    pub rules: Vec<(String, String)>,
    /// Every other argument of the decorator, e.g. `weekday_day_min_workers`.
    pub arguments: Vec<(String, ArgValue)>,
}

impl TimeOverride {
    /// The arguments a rule's prefix sets, with the prefix taken off.
    pub fn arguments_of<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a ArgValue)> + 'a {
        self.arguments
            .iter()
            .filter_map(move |(k, v)| k.strip_prefix(prefix).map(|name| (name, v)))
    }
}

/// The app's `autoscaler` (`V1Autoscaler`): exactly one kind is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalerSpec {
    /// The platform sent none.
    #[default]
    Unknown,
    /// Workers change only when someone scales the app.
    Manual { default_workers: u64 },
    /// One of the platform's builtin autoscalers (`simple`, `free-worker`).
    Builtin {
        name: String,
        scheduler: String,
        /// In the order the platform sent them.
        arguments: Vec<(String, ArgValue)>,
        overrides: Vec<TimeOverride>,
        /// Names of other decorators, shown as they are.
        other_decorators: Vec<String>,
    },
    /// A library of the app's own.
    ThirdParty {
        library: String,
        arguments: Vec<(String, ArgValue)>,
    },
    /// A container of the app's own decides.
    Container { image: String },
}

impl ScalerSpec {
    /// A builtin autoscaler's plain argument, as a whole number.
    pub fn argument(&self, name: &str) -> Option<u64> {
        match self {
            ScalerSpec::Builtin { arguments, .. } => arguments
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.number()),
            _ => None,
        }
    }
}

/// One app as `GET …/apps/{name}` describes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppDetail {
    pub name: String,
    pub namespace: String,
    pub created_at: Option<Timestamp>,
    pub status: AppStatus,
    pub desired_workers: u64,
    pub ready_workers: u64,
    pub autoscaler: ScalerSpec,
}

/// The platform's shapes, only for decoding.
#[cfg(any(feature = "client", test))]
pub(crate) mod wire {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;
    use crate::model::wire::{Metadata, Status};

    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    pub struct App {
        pub app_v1alpha1: AppV1Alpha1,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct AppV1Alpha1 {
        pub metadata: Metadata,
        pub spec: Spec,
        pub status: Status,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct Spec {
        #[serde(deserialize_with = "lenient_object")]
        pub autoscaler: Option<Autoscaler>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    pub struct Autoscaler {
        #[serde(deserialize_with = "lenient_string")]
        pub scheduler: String,
        #[serde(deserialize_with = "lenient_object")]
        pub builtin: Option<Builtin>,
        #[serde(deserialize_with = "lenient_object")]
        pub third_party: Option<ThirdParty>,
        #[serde(deserialize_with = "lenient_object")]
        pub container: Option<Container>,
        #[serde(deserialize_with = "lenient_object")]
        pub manual: Option<Manual>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct Builtin {
        #[serde(deserialize_with = "lenient_string")]
        pub name: String,
        #[serde(deserialize_with = "lenient_object")]
        pub arguments: Option<BTreeMap<String, Value>>,
        #[serde(deserialize_with = "lenient_object")]
        pub decorators: Option<Decorators>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct Decorators {
        #[serde(deserialize_with = "lenient_object")]
        pub arguments: Option<Vec<Decorator>>,
        #[serde(deserialize_with = "lenient_object")]
        pub factors: Option<Vec<Decorator>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct Decorator {
        #[serde(deserialize_with = "lenient_string")]
        pub name: String,
        #[serde(deserialize_with = "lenient_object")]
        pub arguments: Option<BTreeMap<String, Value>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct ThirdParty {
        #[serde(deserialize_with = "lenient_string")]
        pub library: String,
        #[serde(deserialize_with = "lenient_object")]
        pub arguments: Option<BTreeMap<String, Value>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct Container {
        #[serde(deserialize_with = "lenient_string")]
        pub image: String,
    }

    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    pub struct Manual {
        #[serde(deserialize_with = "lenient_u64")]
        pub default_worker_num: u64,
    }

    /// `Commonv1Value`: `{"value": "…"}` or `{"valueFrom": {…KeyRef}}`.
    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    pub struct Value {
        #[serde(deserialize_with = "lenient_string")]
        pub value: String,
        #[serde(deserialize_with = "lenient_object")]
        pub value_from: Option<ValueFrom>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    pub struct ValueFrom {
        #[serde(deserialize_with = "lenient_object")]
        pub secret_key_ref: Option<KeyRef>,
        #[serde(deserialize_with = "lenient_object")]
        pub config_map_key_ref: Option<KeyRef>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct KeyRef {
        #[serde(deserialize_with = "lenient_string")]
        pub name: String,
        #[serde(deserialize_with = "lenient_string")]
        pub key: String,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct Queues {
        #[serde(deserialize_with = "lenient_list")]
        pub queues: Vec<QueuedRequest>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub struct Events {
        #[serde(deserialize_with = "lenient_list")]
        pub events: Vec<AppEvent>,
    }

    /// An object of the wrong kind (a string where an object belongs, say)
    /// is "not sent": one odd part must not hide the rest of the app.
    fn lenient_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: serde::Deserializer<'de>,
        T: Deserialize<'de>,
    {
        let raw = serde_json::Value::deserialize(d)?;
        Ok(T::deserialize(raw).ok())
    }

    /// A list whose items are read one by one: an item of the wrong kind is
    /// left out, and a list of the wrong kind is empty.
    fn lenient_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: serde::Deserializer<'de>,
        T: Deserialize<'de>,
    {
        let raw = serde_json::Value::deserialize(d)?;
        Ok(match raw {
            serde_json::Value::Array(items) => items
                .into_iter()
                .filter_map(|item| T::deserialize(item).ok())
                .collect(),
            _ => Vec::new(),
        })
    }

    fn arg(value: Value) -> ArgValue {
        let from = value.value_from.and_then(|f| {
            f.secret_key_ref
                .map(|r| format!("secret {}/{}", r.name, r.key))
                .or_else(|| {
                    f.config_map_key_ref
                        .map(|r| format!("config map {}/{}", r.name, r.key))
                })
        });
        match from {
            Some(from) if value.value.is_empty() => ArgValue::From(from),
            _ => ArgValue::Text(value.value),
        }
    }

    /// The platform's package names a builtin autoscaler's arguments in this
    /// order; any others follow by name.
    const ARGUMENT_ORDER: [&str; 6] = [
        "min_workers",
        "max_workers",
        "max_queue_size",
        "min_free_workers",
        "max_idle_time",
        "scale_up_step",
    ];

    fn ordered(arguments: Option<BTreeMap<String, Value>>) -> Vec<(String, ArgValue)> {
        let mut args: Vec<(String, ArgValue)> = arguments
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, arg(v)))
            .collect();
        args.sort_by_key(|(k, _)| {
            (
                ARGUMENT_ORDER
                    .iter()
                    .position(|o| o == k)
                    .unwrap_or(ARGUMENT_ORDER.len()),
                k.clone(),
            )
        });
        args
    }

    /// The argument keys of a time-match rule: `match(<five fields>)`.
    fn rule_cron(key: &str) -> Option<&str> {
        key.strip_prefix("match(")?.strip_suffix(')')
    }

    fn time_override(arguments: Option<BTreeMap<String, Value>>) -> TimeOverride {
        let mut out = TimeOverride::default();
        for (key, value) in arguments.unwrap_or_default() {
            let value = arg(value);
            if key == "timezone" {
                if let ArgValue::Text(zone) = value
                    && !zone.is_empty()
                {
                    out.timezone = Some(zone);
                }
            } else if let Some(cron) = rule_cron(&key) {
                let prefix = match value {
                    ArgValue::Text(p) | ArgValue::From(p) => p,
                };
                out.rules.push((cron.to_string(), prefix));
            } else {
                out.arguments.push((key, value));
            }
        }
        out
    }

    impl From<Autoscaler> for ScalerSpec {
        fn from(a: Autoscaler) -> Self {
            if let Some(b) = a.builtin {
                let mut overrides = Vec::new();
                let mut other_decorators = Vec::new();
                let decorators = b.decorators.unwrap_or_default();
                for d in decorators.arguments.unwrap_or_default() {
                    if d.name == "time-match" {
                        overrides.push(time_override(d.arguments));
                    } else if d.name != "noop" {
                        other_decorators.push(d.name);
                    }
                }
                for d in decorators.factors.unwrap_or_default() {
                    if d.name != "noop" {
                        other_decorators.push(d.name);
                    }
                }
                return ScalerSpec::Builtin {
                    name: b.name,
                    scheduler: a.scheduler,
                    arguments: ordered(b.arguments),
                    overrides,
                    other_decorators,
                };
            }
            if let Some(m) = a.manual {
                return ScalerSpec::Manual {
                    default_workers: m.default_worker_num,
                };
            }
            if let Some(t) = a.third_party {
                return ScalerSpec::ThirdParty {
                    library: t.library,
                    arguments: ordered(t.arguments),
                };
            }
            if let Some(c) = a.container {
                return ScalerSpec::Container { image: c.image };
            }
            ScalerSpec::Unknown
        }
    }

    impl From<App> for AppDetail {
        fn from(app: App) -> Self {
            let app = app.app_v1alpha1;
            AppDetail {
                name: app.metadata.name,
                namespace: app.metadata.namespace,
                created_at: app.metadata.created_at,
                status: app.status.status,
                desired_workers: app.status.desired_worker,
                ready_workers: app.status.ready_worker,
                autoscaler: app.spec.autoscaler.map(Into::into).unwrap_or_default(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `V1App` as the platform's models describe it: a builtin autoscaler
    /// with a time-match decorator, arguments as strings.
    const APP: &str = r#"{"appV1alpha1": {
      "metadata": {"name": "api", "namespace": "staging", "createdAt": "2026-11-01T08:00:00Z"},
      "spec": {"resource": {"cpu": 2, "memory": "4 GiB"},
        "autoscaler": {"scheduler": "queue", "builtin": {"name": "simple",
          "arguments": {"scale_up_step": {"value": "2"}, "max_workers": {"value": "6"},
            "min_workers": {"value": "1"}, "max_queue_size": {"value": "2"},
            "max_idle_time": {"value": "120"},
            "token": {"valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}},
          "decorators": {"arguments": [{"name": "time-match", "arguments": {
            "timezone": {"value": "Asia/Shanghai"},
            "match(* 9-22 * * 1-5)": {"value": "day_"},
            "day_min_workers": {"value": "2"}}}],
            "factors": [{"name": "average"}]}}}},
      "status": {"readyWorker": 1, "desiredWorker": "2", "status": "STATUS_PAUSED"}}}"#;

    fn decode(json: &str) -> AppDetail {
        serde_json::from_str::<wire::App>(json).unwrap().into()
    }

    #[test]
    fn an_app_reads_its_state_and_its_builtin_autoscaler() {
        let app = decode(APP);
        assert_eq!(
            (app.name.as_str(), app.namespace.as_str()),
            ("api", "staging")
        );
        assert_eq!(app.status, AppStatus::Paused);
        assert_eq!((app.ready_workers, app.desired_workers), (1, 2));
        let ScalerSpec::Builtin {
            name,
            scheduler,
            arguments,
            overrides,
            other_decorators,
        } = &app.autoscaler
        else {
            panic!("{:?}", app.autoscaler)
        };
        assert_eq!((name.as_str(), scheduler.as_str()), ("simple", "queue"));
        let names: Vec<&str> = arguments.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "min_workers",
                "max_workers",
                "max_queue_size",
                "max_idle_time",
                "scale_up_step",
                "token"
            ]
        );
        assert_eq!(arguments[5].1, ArgValue::From("secret hf/token".into()));
        assert_eq!(app.autoscaler.argument("max_idle_time"), Some(120));
        assert_eq!(overrides.len(), 1);
        assert_eq!(overrides[0].timezone.as_deref(), Some("Asia/Shanghai"));
        assert_eq!(
            overrides[0].rules,
            [("* 9-22 * * 1-5".to_string(), "day_".to_string())]
        );
        let day: Vec<_> = overrides[0].arguments_of("day_").collect();
        assert_eq!(day, [("min_workers", &ArgValue::Text("2".into()))]);
        assert_eq!(other_decorators, &["average".to_string()]);
    }

    #[test]
    fn a_manual_app_reads_its_default_worker_count_and_odd_parts_blank_only_themselves() {
        let app = decode(
            r#"{"appV1alpha1": {"metadata": {"name": "m"}, "spec": {"autoscaler": {"manual": {"defaultWorkerNum": 3}}},
                "status": {"status": "STATUS_SOMETHING_NEW"}}}"#,
        );
        assert_eq!(app.autoscaler, ScalerSpec::Manual { default_workers: 3 });
        assert_eq!(
            app.status,
            AppStatus::Unknown("STATUS_SOMETHING_NEW".into())
        );
        let odd = decode(
            r#"{"appV1alpha1": {"metadata": {"name": "m"}, "spec": {"autoscaler": "fast"}}}"#,
        );
        assert_eq!(odd.autoscaler, ScalerSpec::Unknown);
        assert_eq!(odd.name, "m");
    }

    #[test]
    fn a_queue_reads_reasons_times_and_the_left_out_first_index() {
        let q: wire::Queues = serde_json::from_str(
            r#"{"queues": [{"reason": "QueueReasonWorkerBusy", "createAt": "2026-12-01T00:00:00Z"},
                {"index": 1, "reason": "QueueReasonSomethingNew"}, "garbage",
                {"index": "2", "reason": "QueueReasonNotDispatch"}]}"#,
        )
        .unwrap();
        assert_eq!(q.queues.len(), 3);
        assert_eq!(
            (q.queues[0].index, &q.queues[0].reason),
            (0, &QueueReason::WorkerBusy)
        );
        assert!(q.queues[0].create_at.is_some());
        assert_eq!(
            q.queues[1].reason,
            QueueReason::Unknown("QueueReasonSomethingNew".into())
        );
        assert_eq!(q.queues[2].index, 2);
        let empty: wire::Queues = serde_json::from_str("{}").unwrap();
        assert!(empty.queues.is_empty());
        let odd: wire::Queues = serde_json::from_str(r#"{"queues": 7}"#).unwrap();
        assert!(odd.queues.is_empty());
    }

    #[test]
    fn events_read_their_type_as_text() {
        let e: wire::Events = serde_json::from_str(
            r#"{"events": [{"type": "EVENT_TYPE_SCALE_UP", "message": "m", "from": "alice", "createdAt": "2026-12-01T00:00:00.5Z"},
                {"type": 3}]}"#,
        )
        .unwrap();
        assert_eq!(e.events.len(), 2);
        assert_eq!(e.events[0].short_kind(), "SCALE_UP");
        assert_eq!(e.events[0].from, "alice");
        assert_eq!(e.events[1].kind, "3");
    }
}

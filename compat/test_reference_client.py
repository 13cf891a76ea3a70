"""The platform's own published client (everai 0.2.41 from PyPI) against the
simulator: if the reference client reads and drives it, the simulator speaks
the platform's wire format.

Run by `make test-compat` (part of `make test`), which installs the client
into a virtual environment and builds the simulator first:
    EVERAI_SIM_BIN=target/debug/everai-sim .tools/everai-venv/bin/python -m unittest -v compat/test_reference_client.py
"""

import datetime
import enum
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import typing
import unittest
import urllib.request

import pydantic
from generated.apps import (
    ApiClient,
    AppServiceApi,
    AppServiceScaleDownWorkersBody,
    AppServiceScaleUpWorkersBody,
    Appsv1ListResponse,
    Configuration,
    V1App,
    V1ListAppEventsResponse,
    V1ListAppRequestStatisticResponse,
    V1ListRequestQueuesResponse,
    V1ListWorkersResponse,
    V1ScaleUpWorkersResponse,
)

NAMESPACE = "default"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wire(status):
    """The wire value of one of the generated client's status enums."""
    return getattr(status, "value", status)


# protobuf-JSON writes a time with no fraction, or 3, 6 or 9 digits of one.
PLATFORM_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$")


def _unwrap(annotation):
    """The model, enum or scalar type behind Optional[...], List[...],
    Dict[str, ...] and Annotated[...]; a list or dict is unwrapped to its
    items, which the caller walks one by one."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin is typing.Union and len(args) == 1:
            annotation = args[0]
        elif origin is typing.Annotated:
            annotation = args[0]
        else:
            return origin, args, annotation


def misfits(model, data, path="$"):
    """Every place where `data` says more than the generated `model` knows
    (a field it lacks: something the simulator made up) or writes a time
    the platform would not (not UTC, or a fraction of other than 3, 6 or 9
    digits). Validation by the model itself is the caller's other check."""
    if not isinstance(data, dict):
        return [f"{path}: expected an object for {model.__name__}, got {type(data).__name__}"]
    by_alias = {(f.alias or name): f for name, f in model.model_fields.items()}
    found = []
    for key, value in data.items():
        field = by_alias.get(key)
        if field is None:
            found.append(f"{path}.{key}: not a field of {model.__name__}")
            continue
        found.extend(_misfits_value(field.annotation, value, f"{path}.{key}"))
    return found


def _misfits_value(annotation, value, path):
    origin, args, inner = _unwrap(annotation)
    if value is None:
        return []
    if origin in (list, typing.List):
        return [m for i, v in enumerate(value) for m in _misfits_value(args[0], v, f"{path}[{i}]")]
    if origin in (dict, typing.Dict):
        return [m for k, v in value.items() for m in _misfits_value(args[1], v, f"{path}.{k}")]
    if isinstance(inner, type) and issubclass(inner, pydantic.BaseModel):
        return misfits(inner, value, path)
    if inner is datetime.datetime and not (isinstance(value, str) and PLATFORM_TIME.match(value)):
        return [f"{path}: {value!r} is not a time as the platform writes one"]
    if isinstance(inner, type) and issubclass(inner, enum.Enum) and value not in {e.value for e in inner}:
        return [f"{path}: {value!r} is not a {inner.__name__}"]
    return []


def wait_until(what, check, timeout=20.0):
    """Polls `check` until it returns something truthy, or fails the test."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


class ReferenceClientAgainstSimulator(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("EVERAI_SIM_BIN")
        if not binary or not os.path.exists(binary):
            raise RuntimeError("set EVERAI_SIM_BIN to the everai-sim binary (make test-compat does)")
        cls.token = secrets.token_hex(16)
        port = free_port()
        cls.endpoint = f"http://127.0.0.1:{port}"
        # 50x: a CPU worker starts in well under a second of real time.
        cls.sim = subprocess.Popen(
            [binary, "--token", cls.token, "--addr", f"127.0.0.1:{port}", "--seed", "3", "--time-scale", "50"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        wait_until("the simulator to listen", cls._listening)
        cls.home = tempfile.TemporaryDirectory()
        with open(os.path.join(cls.home.name, "token"), "w") as f:
            f.write(cls.token)
        client = ApiClient(
            header_name="Authorization",
            header_value=f"Bearer {cls.token}",
            configuration=Configuration(host=cls.endpoint),
        )
        cls.api = AppServiceApi(client)

    @classmethod
    def tearDownClass(cls):
        cls.sim.terminate()
        cls.sim.wait(timeout=10)
        cls.home.cleanup()

    @classmethod
    def _listening(cls):
        if cls.sim.poll() is not None:
            raise RuntimeError(f"everai-sim exited: {cls.sim.stdout.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", int(cls.endpoint.rsplit(":", 1)[1])), timeout=0.2):
                return True
        except OSError:
            return False

    def raw(self, path, body=None, method=None):
        """The simulator's reply to one call, as JSON."""
        request = urllib.request.Request(
            f"{self.endpoint}{path}",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            data=None if body is None else json.dumps(body).encode(),
            method=method or ("GET" if body is None else "POST"),
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def assert_fits(self, model, reply, what):
        """`reply` validates against the generated `model` (as the client
        reads it) and says nothing the model does not know."""
        try:
            model.from_dict(reply)
        except pydantic.ValidationError as e:
            self.fail(f"{what} does not validate against {model.__name__}: {e}")
        problems = misfits(model, reply)
        self.assertEqual(problems[:10], [], f"{what}: {len(problems)} misfits")

    def raw_list(self, app, show_all, days, namespace=NAMESPACE):
        reply = self.raw(
            f"/api/apps/v1/namespaces/{namespace}/apps/{app}/workers"
            f"?showAll={'true' if show_all else 'false'}&recentDays={days}"
        )
        self.assert_fits(V1ListWorkersResponse, reply, f"the worker list of {namespace}/{app}")
        return reply["workers"]

    def cli(self, *args):
        env = dict(os.environ, EVERAI_ENDPOINT=self.endpoint, EVERAI_HOME=self.home.name)
        env.pop("EVERAI_TOKEN", None)
        everai = os.path.join(os.path.dirname(sys.executable), "everai")
        return subprocess.run([everai, *args], env=env, capture_output=True, text=True, timeout=60)

    def test_cli_lists_the_simulators_workers_with_history(self):
        result = self.cli("worker", "list", "stable-diffusion", "-n", NAMESPACE, "-a", "-d", "5", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        listed = json.loads(result.stdout)
        raw = self.raw_list("stable-diffusion", True, 5)
        self.assertGreater(len(raw), 10)
        self.assertEqual({w["id"] for w in listed}, {w["id"] for w in raw})
        statuses = {w["status"] for w in listed}
        self.assertIn("RUNNING", statuses)
        self.assertIn("TERMINATED", statuses)
        by_id = {w["id"]: w for w in raw}
        for w in listed:
            self.assertEqual(w["device"], by_id[w["id"]]["deviceId"])
            # Finished workers' counts are final, so both reads agree.
            if w["status"] == "TERMINATED":
                self.assertEqual(w.get("success_count") or 0, by_id[w["id"]].get("successCount", 0))

    def test_every_reply_validates_against_the_platforms_models(self):
        all_apps = self.raw("/api/apps/v1/apps")
        self.assert_fits(Appsv1ListResponse, all_apps, "the list of all apps")
        apps = [a["appV1alpha1"]["metadata"] for a in all_apps["apps"]]
        self.assertGreater(len(apps), 3)
        for namespace in sorted({a["namespace"] for a in apps}):
            reply = self.raw(f"/api/apps/v1/namespaces/{namespace}/apps")
            self.assert_fits(Appsv1ListResponse, reply, f"the apps of {namespace}")
        for app in apps:
            for show_all, days in [(False, 2), (True, 30)]:
                self.raw_list(app["name"], show_all, days, app["namespace"])
        up = self.raw(f"/api/apps/v1/namespaces/{NAMESPACE}/apps/empty-app/workers:scale-up", {"scaleUpWorkersNum": "1"})
        self.assert_fits(V1ScaleUpWorkersResponse, up, "the scale-up reply")
        self.assertEqual(len(up["workerIds"]), 1)
        down = self.raw(
            f"/api/apps/v1/namespaces/{NAMESPACE}/apps/empty-app/workers:scale-down", {"workerIds": up["workerIds"]}
        )
        # The generated client reads the scale-down reply as a bare object.
        self.assertEqual(down, {})

    def test_misfits_finds_invented_fields_and_odd_times(self):
        """The checker above can fail: it names what the models do not know."""
        self.assertEqual(misfits(V1ListWorkersResponse, {"workers": [{"id": "a", "createdAt": "2024-09-29T09:35:18.362Z"}]}), [])
        found = misfits(
            V1ListWorkersResponse,
            {"workers": [{"id": "a", "gpu": "A100", "createdAt": "2024-09-29T09:35:18.3Z", "status": "STATUS_NAPPING"}]},
        )
        self.assertEqual(len(found), 3, found)
        self.assertTrue(any("gpu: not a field" in m for m in found), found)
        self.assertTrue(any("createdAt" in m for m in found), found)
        self.assertTrue(any("STATUS_NAPPING" in m for m in found), found)
        with self.assertRaises(pydantic.ValidationError):
            V1ListWorkersResponse.from_dict({"workers": [{"CPUs": 0.5}]})

    def test_cli_lists_apps_in_all_namespaces_and_in_one(self):
        every = [a["appV1alpha1"]["metadata"] for a in self.raw("/api/apps/v1/apps")["apps"]]
        for args, expected in [
            (["-A"], {(a["namespace"], a["name"]) for a in every}),
            (["-n", "research"], {(a["namespace"], a["name"]) for a in every if a["namespace"] == "research"}),
        ]:
            result = self.cli("app", "list", *args, "-o", "json")
            self.assertEqual(result.returncode, 0, result.stderr)
            # The CLI prints a refusal or a validation error and still exits 0.
            self.assertNotIn("validation error", result.stdout + result.stderr)
            self.assertNotIn("HTTP response body", result.stdout + result.stderr)
            listed = [a["metadata"] for a in json.loads(result.stdout)]
            self.assertEqual({(a["namespace"], a["name"]) for a in listed}, expected, args)
            self.assertTrue(expected)

    def test_cli_without_history_lists_live_workers_only(self):
        result = self.cli("worker", "list", "stable-diffusion", "-n", NAMESPACE, "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        statuses = {w["status"] for w in json.loads(result.stdout)}
        self.assertTrue(statuses)
        self.assertFalse(statuses & {"TERMINATED", "ERROR"}, statuses)

    def test_generated_api_scales_up_and_down(self):
        app = "image-resize"
        reply = self.api.scale_up_workers(NAMESPACE, app, AppServiceScaleUpWorkersBody(scale_up_workers_num="2"))
        new_ids = reply.worker_ids
        self.assertEqual(len(new_ids), 2)

        def launched():
            # Some launches fail (ERROR) like on the platform; wait until
            # every new worker has either come up or failed, and one is up.
            workers = self.api.list_workers(NAMESPACE, app, show_all=True, recent_days=2).workers
            states = {w.id: wire(w.status) for w in workers if w.id in new_ids}
            done = len(states) == 2 and set(states.values()) <= {"STATUS_RUNNING", "STATUS_ERROR"}
            return states if done and "STATUS_RUNNING" in states.values() else None

        states = wait_until("the new workers to launch", launched)
        victim = next(i for i in new_ids if states[i] == "STATUS_RUNNING")
        other = next(i for i in new_ids if i != victim)

        self.api.scale_down_workers(NAMESPACE, app, AppServiceScaleDownWorkersBody(worker_ids=[victim]))

        def terminated():
            workers = self.api.list_workers(NAMESPACE, app, show_all=True, recent_days=2).workers
            gone = [w for w in workers if w.id == victim and wire(w.status) == "STATUS_TERMINATED"]
            return gone[0] if gone else None

        gone = wait_until("the removed worker to terminate", terminated)
        self.assertIsNotNone(gone.deleted_at)
        live_ids = {w.id for w in self.api.list_workers(NAMESPACE, app, show_all=False, recent_days=2).workers}
        self.assertNotIn(victim, live_ids)
        if states[other] == "STATUS_RUNNING":
            self.assertIn(other, live_ids)

    def raw_app(self, namespace, app):
        reply = self.raw(f"/api/apps/v1/namespaces/{namespace}/apps/{app}")
        self.assert_fits(V1App, reply, f"the app {namespace}/{app}")
        return reply["appV1alpha1"]

    def test_the_app_queue_and_events_of_every_app_validate_against_the_platforms_models(self):
        apps = [a["appV1alpha1"]["metadata"] for a in self.raw("/api/apps/v1/apps")["apps"]]
        reasons = set()
        for app in apps:
            ns, name = app["namespace"], app["name"]
            self.raw_app(ns, name)
            queue = self.raw(f"/api/apps/v1/namespaces/{ns}/apps/{name}/request_queues")
            self.assert_fits(V1ListRequestQueuesResponse, queue, f"the queue of {ns}/{name}")
            reasons |= {q["reason"] for q in queue.get("queues", [])}
            for query in ["", "?pageSize=1000&orderBy=OrderByDesc", "?pageSize=3&orderBy=OrderByAsc"]:
                events = self.raw(f"/api/apps/v1/namespaces/{ns}/apps/{name}/events{query}")
                self.assert_fits(V1ListAppEventsResponse, events, f"the events of {ns}/{name}{query}")
        # The demo world has a busy app and a paused one: both kinds of wait.
        self.assertIn("QueueReasonWorkerBusy", reasons)
        self.assertIn("QueueReasonNotDispatch", reasons)

    def workers_requests(self, ns, name):
        """The app's workers' (successCount, failedCount), every worker it ever had."""
        workers = self.raw(f"/api/apps/v1/namespaces/{ns}/apps/{name}/workers?showAll=true&recentDays=3650")["workers"]
        return (sum(w.get("successCount", 0) for w in workers), sum(w.get("failedCount", 0) for w in workers))

    def test_request_statistics_validate_and_match_the_workers_counts(self):
        # The CLI has no command for this endpoint: the generated API is the
        # reference. A window with no requests is `{}` (protobuf-JSON leaves
        # an empty map out), which the model reads as no map at all.
        now = time.time()
        stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        # The simulator's clock runs 50 times faster than the real one: an end
        # a year ahead stays ahead of it however long the suite takes.
        start, end = stamp(now - 40 * 86400), stamp(now + 365 * 86400)
        apps = [a["appV1alpha1"]["metadata"] for a in self.raw("/api/apps/v1/apps")["apps"]]
        seen_users = set()
        for app in apps:
            ns, name = app["namespace"], app["name"]
            for interval in ["INTERVAL_HOUR", "INTERVAL_DAY", "INTERVAL_MOUTH"]:
                path = (f"/api/apps/v1/namespaces/{ns}/apps/{name}/request_statistic"
                        f"?startTime={start}&endTime={end}&interval={interval}")
                reply = self.raw(path)
                if reply == {}:
                    continue
                self.assert_fits(V1ListAppRequestStatisticResponse, reply, f"the statistics of {ns}/{name} {interval}")
                for key in reply["requestStatistic"]:
                    self.assertRegex(key, PLATFORM_TIME, f"{ns}/{name}: a bucket key")
            day_path = (f"/api/apps/v1/namespaces/{ns}/apps/{name}/request_statistic"
                        f"?startTime={start}&endTime={end}&interval=INTERVAL_DAY")
            if self.raw(day_path) == {}:
                continue
            # The simulator's clock runs on: requests end between two reads.
            # Counts only grow, so the statistics read between two reads of
            # the workers lie between their sums.
            counted_before = self.workers_requests(ns, name)
            typed = self.api.list_app_request_statistic(
                ns, name, start_time=start, end_time=end, interval="INTERVAL_DAY")
            buckets = (typed.request_statistic or {}).values()
            users = [u for b in buckets for u in (b.request_statistics or [])]
            seen_users |= {u.user_name for u in users}
            total = sum(u.total_request or 0 for u in users)
            ok = sum(u.success_request or 0 for u in users)
            failed = sum(u.failed_request or 0 for u in users)
            self.assertEqual(total, ok + failed, f"{ns}/{name}")
            counted_after = self.workers_requests(ns, name)
            for what, before, stat, after in zip(("succeeded", "failed"), counted_before, (ok, failed), counted_after):
                self.assertTrue(
                    before <= stat <= after,
                    f"{ns}/{name}: {what} {stat} are not the workers' requests ({before} before, {after} after)",
                )
        self.assertIn("studio-web", seen_users)
        # An app that never served a request: `{}`, read by the model as no map.
        quiet = self.api.list_app_request_statistic(
            "default", "empty-app", start_time=start, end_time=end, interval="INTERVAL_DAY")
        self.assertIsNone(quiet.request_statistic)

    def test_cli_gets_an_app_with_its_state_and_autoscaler(self):
        result = self.cli("app", "get", "autoscaled-api", "-n", "staging", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("validation error", result.stdout + result.stderr)
        got = json.loads(result.stdout)
        raw = self.raw_app("staging", "autoscaled-api")
        self.assertEqual(got["metadata"]["name"], "autoscaled-api")
        self.assertEqual(got["metadata"]["namespace"], "staging")
        self.assertEqual(got["status"]["status"], raw["status"]["status"].removeprefix("STATUS_"), got)
        # The CLI rebuilds the builtin autoscaler and its time-match
        # decorator from the spec; what it prints names them.
        printed = json.dumps(got)
        for word in ["simple", "max_queue_size", "time-match", "Asia/Shanghai"]:
            self.assertIn(word, printed)
        table = self.cli("app", "get", "batch-nightly", "-n", "staging")
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertIn("PAUSED", table.stdout)

    def test_cli_lists_the_queue_as_the_simulator_holds_it(self):
        # The paused app's queue only grows with arrivals: every request
        # waits undispatched, first index 0 (left out on the wire).
        result = self.cli("app", "queue", "batch-nightly", "-n", "staging", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        listed = json.loads(result.stdout)
        self.assertTrue(listed, result.stdout)
        self.assertEqual([q["queue_index"] for q in listed], list(range(len(listed))))
        self.assertEqual({q["queue_reason"] for q in listed}, {"NotDispatch"})
        raw = self.raw("/api/apps/v1/namespaces/staging/apps/batch-nightly/request_queues")["queues"]
        self.assertNotIn("index", raw[0])
        first = datetime.datetime.fromisoformat(raw[0]["createAt"].replace("Z", "+00:00"))
        # The oldest request the CLI saw is still waiting or has given up
        # since; the simulator's clock runs 50x.
        self.assertLessEqual(abs(len(raw) - len(listed)), 3)
        self.assertLess(datetime.datetime.now(datetime.timezone.utc) - first, datetime.timedelta(days=1))

    def test_cli_lists_events_newest_first_as_the_simulator_records_them(self):
        result = self.cli("app", "events", "batch-nightly", "-n", "staging", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        listed = json.loads(result.stdout)
        raw = self.raw("/api/apps/v1/namespaces/staging/apps/batch-nightly/events")["events"]
        # The paused app makes no new events: both reads are the same page,
        # of at most the platform's default size.
        self.assertTrue(0 < len(listed) <= 50, len(listed))
        self.assertEqual([e["message"] for e in listed], [e["message"] for e in raw])
        self.assertEqual([e["type"] for e in listed], [e["type"].removeprefix("EVENT_TYPE_") for e in raw])
        self.assertEqual(listed[0]["type"], "APP_PAUSED")
        self.assertEqual(listed[0]["from"], "ops-oncall")

    def test_cli_pauses_and_resumes_an_app(self):
        ns, app = "research", "tokenizer"
        self.assertEqual(self.raw_app(ns, app)["status"]["status"], "STATUS_DEPLOYED")
        result = self.cli("app", "pause", app, "-n", ns)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "")
        self.assertEqual(self.raw_app(ns, app)["status"]["status"], "STATUS_PAUSED")
        wait_until("the paused app's workers to go", lambda: not self.raw_list(app, False, 2, ns))
        events = self.raw(f"/api/apps/v1/namespaces/{ns}/apps/{app}/events?pageSize=5")["events"]
        self.assertIn("EVENT_TYPE_APP_PAUSED", [e["type"] for e in events])
        result = self.cli("app", "resume", app, "-n", ns)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.raw_app(ns, app)["status"]["status"], "STATUS_DEPLOYED")
        wait_until("the resumed app's worker to run", lambda: any(
            w.get("status") == "STATUS_RUNNING" for w in self.raw_list(app, False, 2, ns)))
        # Through the generated client too, which reads both replies as a
        # bare object; the raw reply is `{}`.
        self.assertEqual(self.api.pause_app(ns, app), {})
        self.assertEqual(self.raw_app(ns, app)["status"]["status"], "STATUS_PAUSED")
        self.assertEqual(self.raw(f"/api/apps/v1/namespaces/{ns}/apps/{app}:resume", method="POST"), {})
        self.assertEqual(self.raw_app(ns, app)["status"]["status"], "STATUS_DEPLOYED")

    def test_a_wrong_token_is_refused(self):
        bad = AppServiceApi(
            ApiClient(
                header_name="Authorization",
                header_value="Bearer wrong",
                configuration=Configuration(host=self.endpoint),
            )
        )
        with self.assertRaises(Exception) as caught:
            bad.list_workers(NAMESPACE, "stable-diffusion", show_all=False, recent_days=2)
        self.assertEqual(getattr(caught.exception, "status", None), 401)


if __name__ == "__main__":
    unittest.main()

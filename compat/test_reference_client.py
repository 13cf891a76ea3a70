"""The platform's own published client (everai 0.2.41 from PyPI) against the
simulator: if the reference client reads and drives it, the simulator speaks
the platform's wire format.

Run by `make test-compat` (part of `make test`), which installs the client
into a virtual environment and builds the simulator first:
    EVERAI_SIM_BIN=target/debug/everai-sim .tools/everai-venv/bin/python -m unittest -v compat/test_reference_client.py
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from generated.apps import (
    ApiClient,
    AppServiceApi,
    AppServiceScaleDownWorkersBody,
    AppServiceScaleUpWorkersBody,
    Configuration,
)

NAMESPACE = "default"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wire(status):
    """The wire value of one of the generated client's status enums."""
    return getattr(status, "value", status)


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

    def raw_list(self, app, show_all, days):
        request = urllib.request.Request(
            f"{self.endpoint}/api/apps/v1/namespaces/{NAMESPACE}/apps/{app}/workers"
            f"?showAll={'true' if show_all else 'false'}&recentDays={days}",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["workers"]

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

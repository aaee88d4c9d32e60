"""The upload gate in front of the real `huggingface_hub.upload_folder`,
against a loopback fake of the Hub's commit API.

The upload runs in a subprocess with ``HF_ENDPOINT`` pointing at the fake
(huggingface_hub reads it at import time). The fake answers what
``upload_folder`` calls for small files: ``POST .../preupload/{revision}``
(every file is a regular git blob) and ``POST .../commit/{revision}``
(NDJSON, with each file's content in base64). Anything else is a 404 that
the test reports.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import AWS_KEY_ID, HF_TOKEN

# huggingface_hub is pinned in requirements-dev.txt and used by the upload
# subprocess; importing it here fails the suite early when it is missing.
import huggingface_hub  # noqa: F401,E402

REPO = "acme/sentiment"
API = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/(?P<verb>preupload|commit)/(?P<rev>[^/?]+)")


class FakeHub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str]] = []
        self.unknown: list[tuple[str, str]] = []
        self.authorization: list[str] = []
        self.files: dict[str, bytes] = {}
        self.commits: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeHub

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet
        pass

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length)

    def do_GET(self) -> None:  # noqa: N802
        self.server.requests.append(("GET", self.path))
        self.server.unknown.append(("GET", self.path))
        self._reply(404, {"error": f"not faked: GET {self.path}"})

    def do_POST(self) -> None:  # noqa: N802
        hub = self.server
        hub.requests.append(("POST", self.path))
        hub.authorization.append(self.headers.get("Authorization", ""))
        body = self._body()
        match = API.match(self.path)
        if match is None or match["repo"] != REPO:
            hub.unknown.append(("POST", self.path))
            self._reply(404, {"error": f"not faked: POST {self.path}"})
            return
        if match["verb"] == "preupload":
            files = json.loads(body)["files"]
            self._reply(200, {"files": [
                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
                for f in files
            ]})
            return
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        for line in lines:
            if line["key"] == "file":
                value = line["value"]
                assert value["encoding"] == "base64"
                hub.files[value["path"]] = base64.b64decode(value["content"])
            elif line["key"] == "header":
                hub.commits.append(line["value"])
        oid = hashlib.sha1(body).hexdigest()
        self._reply(200, {
            "commitUrl": f"{hub.url}/{REPO}/commit/{oid}",
            "commitOid": oid,
            "pullRequestUrl": None,
        })


@pytest.fixture
def hub():
    server = FakeHub()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


UPLOAD = textwrap.dedent(
    """
    import sys
    import huggingface_hub
    import modelseal

    folder, token = sys.argv[1], sys.argv[2]
    try:
        modelseal.check_before_upload(folder)
    except modelseal.LeakError as error:
        print(error, file=sys.stderr)
        sys.exit(3)
    info = huggingface_hub.upload_folder(
        repo_id="acme/sentiment", folder_path=folder, token=token,
        commit_message="Upload the model",
    )
    print(info.oid)
    """
)


def upload(hub: FakeHub, folder) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HOME=str(folder.parent / "hf-home"),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HUB_DISABLE_UPDATE_CHECK="1",
        NO_PROXY="127.0.0.1,localhost",
    )
    return subprocess.run(
        [sys.executable, "-c", UPLOAD, str(folder), "hf_" + "fakeUploadToken" + "0000"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )


def test_clean_folder_passes_the_gate_and_reaches_the_hub(hub, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    config = b'{"architectures": ["BertForSequenceClassification"], "hidden_size": 768}\n'
    (folder / "config.json").write_bytes(config)
    (folder / "tokenizer_config.json").write_bytes(b'{"do_lower_case": true}\n')
    done = upload(hub, folder)
    assert done.returncode == 0, (done.stderr, hub.unknown)
    assert hub.unknown == []
    assert hub.files == {
        "config.json": config,
        "tokenizer_config.json": b'{"do_lower_case": true}\n',
    }
    assert hub.commits and hub.commits[0]["summary"] == "Upload the model"
    assert any(verb == "POST" and "/preupload/main" in path for verb, path in hub.requests)
    assert all(auth == "Bearer hf_fakeUploadToken0000" for auth in hub.authorization)
    assert len(done.stdout.strip()) == 40  # the commit oid the fake returned


def test_leaky_folder_is_stopped_before_any_request(hub, tmp_path):
    folder = tmp_path / "model"
    (folder / "logs").mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden_size": 768}\n')
    (folder / "logs" / "train.log").write_text(
        f"step 1\nAWS_ACCESS_KEY_ID={AWS_KEY_ID}\nhub_token={HF_TOKEN}\n"
    )
    done = upload(hub, folder)
    assert done.returncode == 3, done.stderr
    assert hub.requests == []
    assert "logs/train.log:2 aws-access-key-id" in done.stderr
    assert AWS_KEY_ID not in done.stderr and HF_TOKEN not in done.stderr

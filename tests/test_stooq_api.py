"""The live Stooq adapter against a local HTTP server replaying recorded responses (no network)."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from vendors.files import VendorFileError
from vendors.stooq import parse_stooq
from vendors.stooq_api import StooqDownloader

RECORDED = (Path(__file__).with_name("fixtures") / "stooq_api_abc.csv").read_text()


class Replay(BaseHTTPRequestHandler):
    """Replies by symbol: abc, the recorded CSV (Stooq's download layout, ABC rows); flaky, 503 twice then the
    CSV; slow, the CSV after 2 s; anything else, 'No data'."""

    calls: ClassVar[dict[str, int]] = {}

    def do_GET(self):
        symbol = parse_qs(urlparse(self.path).query)["s"][0].removesuffix(".us")
        Replay.calls[symbol] = Replay.calls.get(symbol, 0) + 1
        if symbol == "flaky" and Replay.calls[symbol] <= 2:
            self.send_response(503)
            self.end_headers()
            return
        if symbol == "slow":
            time.sleep(2)
        body = (RECORDED if symbol in {"abc", "flaky", "slow"} else "No data").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/q/d/l/"
    httpd.shutdown()


def test_recorded_response_lands_and_parses(server, project):
    downloader = StooqDownloader(base_url=server, timeout_seconds=1, retries=0)
    keys, failures = downloader.land(["ABC", "ZZZZ"], project["landing_zone"])
    assert keys == ["prices/stooq_api/abc.us.txt"] and list(failures) == ["ZZZZ"]
    assert "no data" in failures["ZZZZ"]
    frame = parse_stooq(Path(project["landing_zone"].root) / keys[0])
    assert frame["ticker"].unique().tolist() == ["ABC"] and len(frame) == RECORDED.count("\n") - 1


def test_server_errors_are_retried(server):
    Replay.calls.clear()
    text = StooqDownloader(base_url=server, timeout_seconds=1, retries=3, backoff_seconds=0.01).fetch("FLAKY")
    assert text.startswith("Date,Open") and Replay.calls["flaky"] == 3


def test_timeouts_fail_with_a_message(server):
    started = time.perf_counter()
    with pytest.raises(VendorFileError, match="SLOW: request failed"):
        StooqDownloader(base_url=server, timeout_seconds=0.3, retries=1, backoff_seconds=0.01).fetch("SLOW")
    assert time.perf_counter() - started < 2


def test_fetch_command_lands_and_reports_failures(server, project, monkeypatch, capsys):
    from cli.main import main

    monkeypatch.setenv("STRATENGINE_STOOQ_URL", server)
    monkeypatch.setenv("STRATENGINE_API_RETRIES", "0")
    assert main(["fetch", "ABC", "NOPE"]) == 1
    out = capsys.readouterr().out
    assert "1 files fetched from stooq_api" in out and "FAILED NOPE" in out

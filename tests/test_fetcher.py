"""The guarded fetcher refuses what could turn verification into server-side request forgery."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from badge_service.fetcher import GuardedFetcher, is_public_address
from credentials.errors import FetchError, InputTooLargeError


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict] = {}

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):  # http.server's method name
        _Handler.hits[self.path] = _Handler.hits.get(self.path, 0) + 1
        port = self.server.server_address[1]
        routes = {
            "/doc": (200, {"Cache-Control": "max-age=60"}, b'{"ok": true}'),
            "/nocache": (200, {}, b"fresh"),
            "/big": (200, {}, b"x" * 5000),
            "/to-localhost": (302, {"Location": f"http://localhost:{port}/doc"}, b""),
            "/to-doc": (302, {"Location": "/doc"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/missing": (404, {}, b"no"),
        }
        if self.path == "/slow":
            time.sleep(2)
            routes["/slow"] = (200, {}, b"late")
        status, headers, body = routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if self.path != "/big":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The fetcher may stop reading on purpose (size cap, timeout).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _local(**kwargs) -> GuardedFetcher:
    return GuardedFetcher(allow_http=True, allowed_hosts=frozenset({"127.0.0.1"}), **kwargs)


def test_fetches_an_allowed_host_and_caches_per_max_age(server):
    fetch = _local()
    assert fetch(f"{server}/doc") == b'{"ok": true}'
    assert fetch(f"{server}/doc") == b'{"ok": true}'
    assert _Handler.hits["/doc"] == 1
    fetch(f"{server}/nocache")
    fetch(f"{server}/nocache")
    assert _Handler.hits["/nocache"] == 2


def test_https_only_by_default():
    with pytest.raises(FetchError, match="only https"):
        GuardedFetcher()("http://example.org/did.json")
    with pytest.raises(FetchError, match="only https"):
        GuardedFetcher()("file:///etc/passwd")


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/x", "https://[::1]/x", "https://169.254.169.254/latest/meta-data",
    "https://10.1.2.3/x", "https://192.168.0.1/x", "https://[::ffff:127.0.0.1]/x",
    "https://0.0.0.0/x",
])
def test_refuses_non_public_literals(url):
    with pytest.raises(FetchError, match="non-public"):
        GuardedFetcher()(url)


def test_refuses_names_resolving_to_private_addresses():
    fetch = GuardedFetcher(resolver=lambda host, port: ["93.184.215.14", "10.0.0.7"])
    with pytest.raises(FetchError, match="non-public address"):
        fetch("https://rebinding.example/did.json")


def test_redirects_are_checked_too(server):
    with pytest.raises(FetchError, match="non-public"):
        _local()(f"{server}/to-localhost")
    assert _local()(f"{server}/to-doc") == b'{"ok": true}'
    with pytest.raises(FetchError, match="redirected more than"):
        _local()(f"{server}/loop")


def test_size_cap_timeout_and_errors(server):
    with pytest.raises(InputTooLargeError):
        _local(max_bytes=1000)(f"{server}/big")
    with pytest.raises(FetchError):
        _local(timeout=0.3)(f"{server}/slow")
    with pytest.raises(FetchError, match="HTTP 404"):
        _local()(f"{server}/missing")
    with pytest.raises(FetchError, match="credentials"):
        _local()("http://user:pw@127.0.0.1/doc")


def test_public_address_classification():
    assert is_public_address("93.184.215.14")
    assert is_public_address("2606:4700:4700::1111")
    for address in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.1.1",
                    "::1", "fe80::1", "fc00::1", "100.64.0.1", "224.0.0.1"):
        assert not is_public_address(address), address

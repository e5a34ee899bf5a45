"""The guarded fetcher refuses what could turn verification into server-side request forgery."""

from __future__ import annotations

import contextlib
import ipaddress
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from badge_service.adapters.fetcher import GuardedFetcher, is_public_address
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


# --- servers that trickle: the deadline covers the whole exchange ----------------------------

#: Bounded, so that a fetcher without a whole-response deadline fails the test (too slow, or
#: no error) instead of hanging it.
_TRICKLE_FOR = 8.0
#: Far below the per-read timeout used here: only a deadline on the whole exchange stops it.
_TRICKLE_EVERY = 0.1
_FAST = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
_TRICKLES = {  # path: (sent at once, then sent again and again)
    "/headers": (b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a"),
    "/body": (b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", b"x"),
    # No length: the end of the stream ends the body, so a cut-off read must not pass for one.
    "/body-unsized": (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", b"x"),
}


class _TrickleHandler(socketserver.BaseRequestHandler):
    def handle(self):
        head = self.request.recv(4096)
        if head[:1] == b"\x16":
            # A TLS ClientHello: answer with the header of a 16 KiB handshake record, whose
            # body then never finishes arriving.
            start, drip = b"\x16\x03\x03\x40\x00", b"\x00"
        else:
            path = head.split(b" ")[1].decode()
            if path not in _TRICKLES:
                self.request.sendall(_FAST)
                return
            start, drip = _TRICKLES[path]
        # The fetcher hangs up on purpose; the next send then fails and the handler ends.
        with contextlib.suppress(OSError):
            self.request.sendall(start)
            end = time.monotonic() + _TRICKLE_FOR
            while time.monotonic() < end:
                time.sleep(_TRICKLE_EVERY)
                self.request.sendall(drip)


@pytest.fixture(scope="module")
def trickler():
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _TrickleHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/headers",
    "http://127.0.0.1:{port}/body",
    "http://127.0.0.1:{port}/body-unsized",
    "https://127.0.0.1:{port}/tls-handshake",
])
def test_deadline_bounds_a_trickled_response(trickler, url):
    fetch = _local(timeout=0.5)  # each read may wait 0.5 s; the whole call at most 1.5 s
    started = time.monotonic()
    with pytest.raises(FetchError):
        fetch(url.format(port=trickler))
    # Generous margin for a busy machine, yet far below the trickle's own length.
    assert time.monotonic() - started < 1.5 + 2.5


def test_deadline_leaves_a_fast_response_alone(trickler):
    fetch = _local(timeout=0.5)
    for _ in range(3):  # the watchdog of one request must not disturb the next
        assert fetch(f"http://127.0.0.1:{trickler}/fast") == b"ok"


# --- address classification -----------------------------------------------------------------

_EMBEDDED = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "192.168.1.1"]


def _teredo(client: str) -> str:
    # 2001:0:<server>:<flags>:<port ^ 0xffff>:<client ^ 0xffffffff>, server 65.54.227.120.
    client_bits = int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF
    address = ipaddress.IPv6Address(
        (0x20010000 << 96) | (0x4136E378 << 64) | (0xFFFF << 32) | client_bits)
    assert address.teredo[1] == ipaddress.IPv4Address(client)  # the form is really Teredo
    return str(address)


def _sixtofour(ipv4: str) -> str:
    address = ipaddress.IPv6Address((0x2002 << 112) | (int(ipaddress.IPv4Address(ipv4)) << 80))
    assert address.sixtofour == ipaddress.IPv4Address(ipv4)
    return str(address)


_FORMS = {
    "ipv4-mapped": lambda v4: f"::ffff:{v4}",
    "6to4": _sixtofour,
    "nat64-well-known": lambda v4: f"64:ff9b::{v4}",
    "nat64-local-use": lambda v4: f"64:ff9b:1::{v4}",
    "teredo": _teredo,
    "ipv4-compatible": lambda v4: f"::{v4}",
    "ipv4-translated": lambda v4: f"::ffff:0:{v4}",
}


@pytest.mark.parametrize("ipv4", _EMBEDDED)
@pytest.mark.parametrize("form", sorted(_FORMS))
def test_ipv6_forms_embedding_a_private_ipv4_are_refused(form, ipv4):
    address = _FORMS[form](ipv4)
    assert not is_public_address(address), address


@pytest.mark.parametrize("address", [
    "fec0::1", "fec0:1234::abcd", "fc00::1", "fd00::1", "fd12:3456:789a::1",
])
def test_site_local_and_unique_local_are_refused(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", [
    # Whatever they embed: 6to4, local-use NAT64 and Teredo are refused as a whole.
    "2002:808:808::1", "64:ff9b:1::808:808", _teredo("8.8.8.8"),
])
def test_tunnel_prefixes_are_refused_even_around_a_public_ipv4(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", [
    "8.8.8.8", "93.184.215.14", "2606:4700::1111", "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    # Judged by the IPv4 address they reach: DNS64 networks answer these for IPv4-only hosts.
    "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
])
def test_public_addresses_stay_public(address):
    assert is_public_address(address)


def test_embedded_private_ipv4_is_refused_through_the_fetcher():
    for literal in ("[2002:7f00:1::]", "[64:ff9b::a9fe:a9fe]", "[fec0::1]"):
        with pytest.raises(FetchError, match="non-public"):
            GuardedFetcher()(f"https://{literal}/did.json")


def test_public_address_classification():
    assert is_public_address("93.184.215.14")
    assert is_public_address("2606:4700:4700::1111")
    for address in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.1.1",
                    "::1", "fe80::1", "fc00::1", "100.64.0.1", "224.0.0.1"):
        assert not is_public_address(address), address


def test_deadline_bounds_a_name_server_that_does_not_answer():
    # getaddrinfo cannot be interrupted; the fetch stops waiting for it at the deadline.
    released = threading.Event()

    def silent_name_server(host: str, port: int) -> list[str]:
        released.wait(10)
        return ["93.184.215.14"]

    fetch = GuardedFetcher(timeout=0.2, resolver=silent_name_server)  # deadline 0.6 s
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out resolving badges\.example\.net"):
        fetch("https://badges.example.net/did.json")
    assert time.monotonic() - started < 0.6 + 2.0
    released.set()


def test_resolution_errors_still_reach_the_caller():
    def failing(host: str, port: int) -> list[str]:
        raise OSError("no such name")

    with pytest.raises(FetchError, match=r"cannot resolve badges\.example\.net: OSError"):
        GuardedFetcher(timeout=0.2, resolver=failing)("https://badges.example.net/did.json")

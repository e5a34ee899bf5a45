"""The one guarded way the service fetches remote documents (did:web, status lists, keys).

Verifying a credential from another issuer means fetching URLs that the credential names, i.e.
URLs chosen by whoever uploaded it. Without guards that is server-side request forgery: the
uploader could make us read an internal admin page or a cloud metadata endpoint. So:

* HTTPS only by default; no credentials in URLs. Any port: the address check below, not the
  port, keeps requests away from internal services.
* The host name is resolved here, every address is checked (no private, loopback, link-local,
  multicast, reserved or unspecified addresses; IPv6 forms that reach IPv4 are judged by the
  IPv4 address, or refused where it cannot be told), and the connection goes to a checked address
  (so a DNS answer cannot change between the check and the connection). Each redirect is
  checked the same way; at most a few are followed.
* Connect/read timeouts, an overall deadline for the whole exchange (name resolution, TLS
  handshake, headers and body included, however slowly the server trickles them), and a
  response size cap.
* A small in-memory cache honouring ``Cache-Control: max-age`` (bounded), so a page verifying
  many credentials from one issuer does not hammer it.

Tests and local conformance runs can allow specific hosts (e.g. ``127.0.0.1``) explicitly.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
import urllib3.connection

from credentials.errors import FetchError, InputTooLargeError

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_TIMEOUT = 5.0
MAX_REDIRECTS = 3
USER_AGENT = "badge_service verifier (+https://github.com/badge-service)"

Resolver = Callable[[str, int], list[str]]


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def _resolve_within(resolver: Resolver, host: str, port: int, seconds: float) -> list[str]:
    """``resolver(host, port)``, given up after ``seconds``.

    getaddrinfo has no timeout of its own and cannot be interrupted (a slow or silent name
    server holds it for the resolver's own timeouts, often 5 s per try and server), so it runs
    in a daemon thread that the request stops waiting for: the deadline holds, and an abandoned
    lookup ends on its own without keeping the process alive."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["addresses"] = resolver(host, port)
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    if worker.is_alive():
        raise FetchError(f"timed out resolving {host}")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["addresses"]


#: IPv6 ranges refused outright, whatever they embed. Each is either a tunnelling or
#: translation scheme whose far end is an IPv4 address that we could not vet reliably, or a
#: local-only range; no legitimate did:web host or status list lives behind any of them.
_REFUSED_IPV6 = tuple(ipaddress.IPv6Network(net) for net in (
    # 6to4 (RFC 3056, deprecated by RFC 7526): 2002:a.b.c.d::/48 is relayed to IPv4 a.b.c.d,
    # and a host with a 6to4 interface may route 2002:7f00:1:: to its own loopback. Checking
    # the embedded address would keep a dead mechanism alive for nothing, so all of it goes.
    "2002::/16",
    # Teredo (RFC 4380): tunnelled over UDP to the (obfuscated) IPv4 address it embeds;
    # Teredo is retired, and servers are never reached over it.
    "2001::/32",
    # Local-use NAT64 (RFC 8215): the operator picks the prefix length, so where the IPv4
    # address sits inside it (RFC 6052) cannot be known here; refusing is the only safe check.
    "64:ff9b:1::/48",
    # IPv4-compatible ::a.b.c.d (deprecated by RFC 4291); some stacks still send it to IPv4.
    "::/96",
    # IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 2765): a translator delivers it to IPv4.
    "::ffff:0:0:0/96",
    # Site-local (deprecated by RFC 3879) and unique-local: private networks by definition.
    # Older Pythons' ipaddress calls fec0::/10 global, hence the explicit entries.
    "fec0::/10",
    "fc00::/7",
))
#: The well-known NAT64 prefix (RFC 6052): DNS64 resolvers on IPv6-only networks answer
#: 64:ff9b::a.b.c.d for IPv4-only hosts, so a public embedded address must keep working;
#: the gateway delivers to a.b.c.d, so that is the address to check.
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        # Forms that reach an IPv4 address are judged by that address, the others by range.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64_WELL_KNOWN:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif any(ip in net for net in _REFUSED_IPV6):
            return False
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


class _Watchdog:
    """Shuts a request's connections down when its deadline passes.

    A socket timeout bounds one read, not a response: a server that sends a byte just before
    each timeout (in the TLS handshake, the status line, the headers or the body) would hold
    the worker for ever, and neither urllib3 nor http.client looks at a clock between reads.
    So a timer shuts the sockets down at the deadline; a read blocked on them returns at once
    (end of stream or an error) and the fetch reports a timeout (see ``fired``).
    """

    def __init__(self, deadline: float) -> None:
        self.fired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def watch(self, sock: socket.socket) -> None:
        # A duplicate descriptor, ours alone: shutdown() acts on the connection behind every
        # descriptor, and ours stays valid after ssl wraps (and detaches) urllib3's socket or
        # urllib3 closes it, so the timer never touches a number the OS has since reused.
        duplicate = sock.dup()
        with self._lock:
            self._sockets.append(duplicate)
            if self.fired or self._done:
                _shutdown(duplicate)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # Already closed by the peer is as good as shut down; the timer thread must not raise.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """Hands each new socket to the request's watchdog before any byte is read from it.

    ``_new_conn`` is the one place urllib3 exposes the TCP socket before the TLS handshake
    (which ``connect`` performs at once). CPython already bounds a handshake as a whole by the
    socket timeout; watching from the first byte keeps the deadline independent of that.
    """

    def __init__(self, *args, watchdog: _Watchdog, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._watchdog.watch(sock)
        return sock


class _WatchedHTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


@dataclass
class GuardedFetcher:
    """``fetcher(url) -> bytes``, as credentials.did.Resolver and status checks expect."""

    allow_http: bool = False
    #: Hosts (names or literal addresses) exempt from the address check: tests, local runs.
    allowed_hosts: frozenset[str] = frozenset()
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    cache_seconds_max: int = 600
    cache_entries: int = 256
    resolver: Resolver = _system_resolver
    accept: str = "application/did+json, application/ld+json, application/json;q=0.9, */*;q=0.1"
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, url: str) -> bytes:
        cached = self._cached(url)
        if cached is not None:
            return cached
        deadline = time.monotonic() + self.timeout * 3
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            status, headers, body = self._fetch_once(current, deadline)
            if status in (301, 302, 303, 307, 308):
                location = headers.get("location")
                if not location:
                    raise FetchError(f"{current} redirected without a Location")
                current = urljoin(current, location)
                continue
            if status != 200:
                raise FetchError(f"{current} answered HTTP {status}")
            self._store(url, body, headers.get("cache-control", ""))
            return body
        raise FetchError(f"{url} redirected more than {MAX_REDIRECTS} times")

    # --- one request ------------------------------------------------------------------------

    def _check_url(self, url: str) -> tuple[str, str, int, str]:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http") or (scheme == "http" and not self.allow_http):
            raise FetchError(f"refusing to fetch {url!r}: only https URLs are fetched")
        if parts.username or parts.password:
            raise FetchError(f"refusing to fetch {url!r}: URLs with credentials are refused")
        host = parts.hostname
        if not host:
            raise FetchError(f"refusing to fetch {url!r}: no host")
        port = parts.port or (443 if scheme == "https" else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return scheme, host, port, path

    def _addresses(self, host: str, port: int, deadline: float) -> list[str]:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        remaining = deadline - time.monotonic()
        if host in self.allowed_hosts:
            return [str(literal)] if literal else _resolve_within(self.resolver, host, port,
                                                                  remaining)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = _resolve_within(self.resolver, host, port, remaining)
            except (OSError, UnicodeError) as exc:
                raise FetchError(f"cannot resolve {host}: {type(exc).__name__}") from None
        if not addresses:
            raise FetchError(f"{host} has no address")
        blocked = [a for a in addresses if not is_public_address(a)]
        if blocked:
            raise FetchError(
                f"refusing to fetch from {host}: it resolves to a non-public address "
                f"({blocked[0]})"
            )
        return addresses

    def _fetch_once(self, url: str, deadline: float) -> tuple[int, dict, bytes]:
        scheme, host, port, path = self._check_url(url)
        addresses = self._addresses(host, port, deadline)
        headers = {"Host": host if port in (80, 443) else f"{host}:{port}",
                   "User-Agent": USER_AGENT, "Accept": self.accept}
        last_error: Exception | None = None
        with _Watchdog(deadline) as watchdog:
            for address in addresses:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or watchdog.fired:
                    raise FetchError(f"timed out fetching {url}")
                timeout = urllib3.Timeout(connect=min(self.timeout, remaining),
                                          read=min(self.timeout, remaining))
                pool_cls: type = _WatchedHTTPSPool if scheme == "https" else _WatchedHTTPPool
                kwargs = {"server_hostname": host, "assert_hostname": host} \
                    if scheme == "https" else {}
                pool = pool_cls(address, port=port, timeout=timeout, retries=False, maxsize=1,
                                watchdog=watchdog, **kwargs)
                try:
                    response = pool.urlopen("GET", path, headers=headers, redirect=False,
                                            preload_content=False, assert_same_host=False)
                    try:
                        body = self._read_capped(response, url, deadline)
                        headers_out = {k.lower(): v for k, v in response.headers.items()}
                    finally:
                        # Connections are never reused (each request checks its address
                        # anew), so close rather than pool them, also after an early stop.
                        response.close()
                        if response.connection is not None:
                            response.connection.close()
                    # A shut-down socket reads as the end of a body without a length, so a
                    # complete-looking body is only trusted if the watchdog stayed quiet.
                    if watchdog.fired:
                        raise FetchError(f"timed out fetching {url}")
                    return response.status, headers_out, body
                except (InputTooLargeError, FetchError):
                    raise
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    if watchdog.fired:
                        raise FetchError(f"timed out fetching {url}") from None
                    last_error = exc
                finally:
                    pool.close()
        raise FetchError(f"could not fetch {url}: {type(last_error).__name__}")

    def _read_capped(self, response: urllib3.BaseHTTPResponse, url: str,
                     deadline: float) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise InputTooLargeError(f"{url} is {declared} bytes; the limit is {self.max_bytes}")
        chunks, total = [], 0
        for chunk in response.stream(64 * 1024):
            total += len(chunk)
            if total > self.max_bytes:
                raise InputTooLargeError(f"{url} is larger than {self.max_bytes} bytes")
            if time.monotonic() > deadline:
                raise FetchError(f"timed out reading {url}")
            chunks.append(chunk)
        return b"".join(chunks)

    # --- cache ------------------------------------------------------------------------------

    def _cached(self, url: str) -> bytes | None:
        with self._lock:
            entry = self._cache.get(url)
            if entry is None:
                return None
            expires, body = entry
            if expires < time.monotonic():
                del self._cache[url]
                return None
            self._cache.move_to_end(url)
            return body

    def _store(self, url: str, body: bytes, cache_control: str) -> None:
        seconds = _max_age(cache_control)
        if seconds <= 0:
            return
        with self._lock:
            self._cache[url] = (time.monotonic() + min(seconds, self.cache_seconds_max), body)
            while len(self._cache) > self.cache_entries:
                self._cache.popitem(last=False)


def _max_age(cache_control: str) -> int:
    directives = [d.strip().lower() for d in cache_control.split(",")]
    if "no-store" in directives or "no-cache" in directives:
        return 0
    for directive in directives:
        if directive.startswith("max-age="):
            value = directive.split("=", 1)[1]
            return int(value) if value.isdigit() else 0
    return 0


def fetcher_for(allowed_hosts: Iterable[str] = (), *, allow_http: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES) -> GuardedFetcher:
    return GuardedFetcher(allow_http=allow_http, allowed_hosts=frozenset(allowed_hosts),
                          max_bytes=max_bytes)

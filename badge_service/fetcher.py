"""The one guarded way the service fetches remote documents (did:web, status lists, keys).

Verifying a credential from another issuer means fetching URLs that the credential names, i.e.
URLs chosen by whoever uploaded it. Without guards that is server-side request forgery: the
uploader could make us read an internal admin page or a cloud metadata endpoint. So:

* HTTPS only by default; no credentials in URLs; standard ports unless allowed.
* The host name is resolved here, every address is checked (no private, loopback, link-local,
  multicast, reserved or unspecified addresses), and the connection goes to a checked address
  (so a DNS answer cannot change between the check and the connection). Each redirect is
  checked the same way; at most a few are followed.
* Connect/read timeouts, an overall deadline, and a response size cap.
* A small in-memory cache honouring ``Cache-Control: max-age`` (bounded), so a page verifying
  many credentials from one issuer does not hammer it.

Tests and local conformance runs can allow specific hosts (e.g. ``127.0.0.1``) explicitly.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3

from credentials.errors import FetchError, InputTooLargeError

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_TIMEOUT = 5.0
MAX_REDIRECTS = 3
USER_AGENT = "badge_service verifier (+https://github.com/badge-service)"

Resolver = Callable[[str, int], list[str]]


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


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

    def _addresses(self, host: str, port: int) -> list[str]:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if host in self.allowed_hosts:
            return [str(literal)] if literal else self.resolver(host, port)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = self.resolver(host, port)
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
        addresses = self._addresses(host, port)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"timed out fetching {url}")
        timeout = urllib3.Timeout(connect=min(self.timeout, remaining),
                                  read=min(self.timeout, remaining))
        headers = {"Host": host if port in (80, 443) else f"{host}:{port}",
                   "User-Agent": USER_AGENT, "Accept": self.accept}
        last_error: Exception | None = None
        for address in addresses:
            pool_cls: type = urllib3.HTTPSConnectionPool if scheme == "https" \
                else urllib3.HTTPConnectionPool
            kwargs = {"server_hostname": host, "assert_hostname": host} \
                if scheme == "https" else {}
            pool = pool_cls(address, port=port, timeout=timeout, retries=False, maxsize=1,
                            **kwargs)
            try:
                response = pool.urlopen("GET", path, headers=headers, redirect=False,
                                        preload_content=False, assert_same_host=False)
                try:
                    body = self._read_capped(response, url, deadline)
                    headers_out = {k.lower(): v for k, v in response.headers.items()}
                    return response.status, headers_out, body
                finally:
                    # Connections are never reused (each request checks its address anew),
                    # so close rather than return it to the pool, also after an early stop.
                    response.close()
                    if response.connection is not None:
                        response.connection.close()
            except InputTooLargeError:
                raise
            except (urllib3.exceptions.HTTPError, OSError) as exc:
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

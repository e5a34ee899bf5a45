"""The suite's guard (tests/suite_fixtures.py): no test reaches the real network by accident, while
loopback (PostgreSQL, aiosmtpd, gunicorn, the Node verifiers) stays reachable."""

from __future__ import annotations

import _socket
import smtplib
import socket

import pytest
from suite_fixtures import RealNetworkBlocked

TEST_NET = ("192.0.2.1", 25)  # RFC 5737: never routed; the guard refuses before any packet


def test_a_non_loopback_connect_is_refused():
    with socket.socket() as sock, pytest.raises(RealNetworkBlocked, match=r"192\.0\.2\.1"):
        sock.connect(TEST_NET)
    with socket.socket() as sock, pytest.raises(RealNetworkBlocked):
        sock.connect_ex(TEST_NET)
    with pytest.raises(RealNetworkBlocked, match=r"example\.org"):
        socket.create_connection(("example.org", 80), timeout=1)


def test_smtp_reaches_loopback_only(smtp_server):
    with pytest.raises(RealNetworkBlocked):
        smtplib.SMTP(*TEST_NET, timeout=1)
    controller, _handler = smtp_server
    with smtplib.SMTP(controller.hostname, controller.port, timeout=5) as smtp:
        assert smtp.noop()[0] == 250


def test_loopback_and_unix_sockets_connect(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)


@pytest.mark.network
def test_the_network_marker_turns_the_guard_off():
    assert socket.socket.connect is _socket.socket.connect
    assert socket.create_connection.__module__ == "socket"

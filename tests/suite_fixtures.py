"""Fixtures shared by every test folder, registered from conftest.py (`pytest_plugins`).

One name means one thing across the suite: `world` is always issuing_helpers.build_world,
`runner` always the `badge-service` command against the test's app, and no test reaches the
real network (SMTP servers, remote hosts) unless it says so with ``@pytest.mark.network``.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

NETWORK_MARKER = "network: the test may open sockets to non-loopback addresses"


def pytest_configure(config) -> None:
    # pyproject.toml is not ours to edit; declare the opt-out marker here (--strict-markers).
    config.addinivalue_line("markers", NETWORK_MARKER)


# --- no real network by accident -------------------------------------------------------------

class RealNetworkBlocked(OSError):
    """Raised for a connect to a non-loopback address by a test not marked ``network``."""


def is_local(address) -> bool:  # type: ignore[no-untyped-def]
    """Loopback hosts and UNIX sockets: the suite's PostgreSQL, aiosmtpd, gunicorn and Node
    verifiers all live there, so they stay reachable."""
    if not isinstance(address, tuple):  # a UNIX socket path (str/bytes)
        return True
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:  # a host name other than localhost: it would resolve to the world
        return False


def _refuse(address) -> None:  # type: ignore[no-untyped-def]
    if not is_local(address):
        raise RealNetworkBlocked(
            f"test tried to connect to {address!r}; mark it @pytest.mark.network if it must")


@pytest.fixture(autouse=True)
def block_real_network(request, monkeypatch):
    """Outbound sockets (hence smtplib.SMTP/SMTP_SSL, urllib, httpx…) connect to loopback only.

    smtplib and every HTTP client go through socket.create_connection → socket.connect, so
    guarding socket.socket's connect methods and create_connection covers them all."""
    if request.node.get_closest_marker("network"):
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def connect(self, address):  # type: ignore[no-untyped-def]
        _refuse(address)
        return real_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        _refuse(address)
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        _refuse(address)
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)


# --- the issuing world, the command line, API tokens -----------------------------------------

@pytest.fixture
def world(app, session):
    """The seeded issuing world (issuing_helpers.build_world): organisation, trainer, units…"""
    from issuing_helpers import build_world

    return build_world(app, session)


@pytest.fixture
def cohort_world(app):
    """An organisation, its coordinator and trainer and a programme, without the demo data
    (cohort_helpers.make_world): what the cohort tests start from."""
    from cohort_helpers import make_world

    return make_world()


@pytest.fixture
def runner(app, monkeypatch):
    """``runner("cohorts", "list", input=…)``: the `badge-service` command against this app."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from badge_service.cli import main
    from badge_service.db import db

    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # Flask sets it; restore it afterwards
    cli_runner = CliRunner()

    def invoke(*args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
        db.session.commit()  # end the test's transaction: SQLite would block the command
        return cli_runner.invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app),
                                 input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def cli(runner):
    """The same `runner`, by the name the CLI test files call it."""
    return runner


@pytest.fixture
def auth_headers(app):
    """``auth_headers(user, name="tests")``: Authorization headers with a new API token."""
    from accounts_helpers import bearer

    return bearer


@pytest.fixture
def served(client):
    """An employer's verifier reading our served routes (e2e_helpers.Served)."""
    from e2e_helpers import Served

    return Served(client)

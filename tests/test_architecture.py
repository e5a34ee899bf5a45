"""House rules that code review alone would let slip: the credentials library stays pure."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "credentials"
FORBIDDEN = {"flask", "sqlalchemy", "flask_sqlalchemy", "badge_service", "requests", "httpx",
             "urllib3", "aiohttp"}
# The command line is the one place of the library that reads the clock, on the user's behalf.
CLOCK_ALLOWED = {"cli.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_library_imports_no_web_database_or_http_code():
    offenders = {
        f"{path.name}: {sorted(_imports(path) & FORBIDDEN)}"
        for path in LIBRARY.glob("*.py")
        if _imports(path) & FORBIDDEN
    }
    assert not offenders


# pyld imports requests for its own default loader, which we never use (the network guard tests
# in test_jsonld.py prove no socket is opened); at run time we only rule out the app layers.
RUNTIME_FORBIDDEN = {"flask", "sqlalchemy", "flask_sqlalchemy", "badge_service"}


def test_importing_the_library_loads_no_app_layer():
    modules = sorted(p.stem for p in LIBRARY.glob("*.py") if p.stem != "__init__")
    code = (
        "import sys\n"
        + "".join(f"import credentials.{m}\n" for m in modules)
        + f"forbidden = {sorted(RUNTIME_FORBIDDEN)!r}\n"
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in forbidden)\n"
        + "print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=120, check=True)
    assert done.stdout.strip() == ""


def test_no_clock_reads_in_library_code():
    offenders = []
    for path in LIBRARY.glob("*.py"):
        if path.name in CLOCK_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"now", "utcnow", "today", "time"}
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in {"datetime", "date", "time"}):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders


def test_no_socket_or_urlopen_in_library_code():
    offenders = [
        path.name for path in LIBRARY.glob("*.py")
        if {"socket", "http"} & _imports(path) or "urlopen" in path.read_text(encoding="utf-8")
    ]
    assert not offenders


# --- the service layer: services flush, one commit per request; time is an argument ---------

PACKAGE = REPO / "badge_service"
#: Reads of the clock. ``badge_service/clock.py`` is the one place that may (views pass
#: ``now`` on), so services and models must not.
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
               ("date", "today"), ("time", "time"), ("time", "time_ns")}


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def clock_reads(source: str) -> list[int]:
    """Lines reading the clock, through whatever name the module imported it as:
    ``datetime.now()``, ``dt.datetime.utcnow()``, ``from time import time as t; t()``, and
    the function handed over uncalled (``default=datetime.utcnow`` reads it later)."""
    tree = ast.parse(source)
    # local name -> what it stands for: "datetime" (module), "datetime.datetime", "time.time"
    names: dict[str, str] = {"datetime": "datetime.datetime", "date": "datetime.date"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("datetime", "time"):
                    names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module in ("datetime", "time"):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    wanted = {f"datetime.{cls}.{fn}" for cls, fn in CLOCK_CALLS if cls != "time"}
    wanted |= {f"time.{fn}" for cls, fn in CLOCK_CALLS if cls == "time"}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) or (isinstance(node, ast.Name)
                                               and isinstance(node.ctx, ast.Load)):
            dotted = _dotted(node)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            resolved = names.get(head, head) + (f".{rest}" if rest else "")
            if resolved in wanted:
                lines.append(node.lineno)
    return sorted(lines)


def commit_calls(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"]


#: Every domain's services and models: ``<domain>/service.py`` or ``<domain>/service/*.py``.
SERVICES = ("*/service.py", "*/service/*.py")
MODELS = ("*/models.py",)


def _sources(*patterns: str) -> list[Path]:
    paths = sorted({p for pattern in patterns for p in PACKAGE.glob(pattern)})
    assert len(paths) >= 10, paths  # the scan really looked at the code
    return paths


def test_the_detectors_see_what_they_look_for():
    """So the two tests below cannot pass by failing to recognise a violation."""
    caught = clock_reads(
        "import datetime as dt\nimport time\nfrom datetime import date, datetime as D\n"
        "from time import time as now\n"
        "dt.datetime.now(dt.UTC)\nD.utcnow()\ndate.today()\ntime.time()\nnow()\n"
        "time.time_ns()\nD.today()\ncolumn(default=datetime.utcnow)\n")
    assert caught == [5, 6, 7, 8, 9, 10, 11, 12]
    assert clock_reads("from ..clock import utcnow\nutcnow()\ndatetime(2025, 1, 1)\n"
                       "import time\ntime.sleep(1)\ndate.fromisoformat('2025-01-01')\n"
                       "now.date()\nx.time()\n") == []
    assert commit_calls("session.commit()\ndb.session.commit()\nsession.flush()\n"
                        "x.committed()\n") == [1, 2]


def test_services_never_commit():
    """Services flush; badge_service/edge/transactions.py commits once per request (or command),
    so a failure anywhere in the request undoes all of it and queued mail never leaves."""
    offenders = [f"{path.relative_to(REPO)}:{line}" for path in _sources(*SERVICES)
                 for line in commit_calls(path.read_text(encoding="utf-8"))]
    assert not offenders


def test_services_and_models_never_read_the_clock():
    """Time is an argument (``now``): tests fix it, and one request sees one instant."""
    offenders = [f"{path.relative_to(REPO)}:{line}" for path in _sources(*SERVICES, *MODELS)
                 for line in clock_reads(path.read_text(encoding="utf-8"))]
    assert not offenders

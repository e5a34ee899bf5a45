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

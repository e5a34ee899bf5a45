"""House rules that code review alone would let slip: the dependency rules (import-linter's
contracts, no import cycles), the credentials library stays pure, services never commit, time
is an argument."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "credentials"
# The command line is the one place of the library that reads the clock, on the user's behalf.
CLOCK_ALLOWED = {"cli.py"}


def _library_files() -> list[Path]:
    return sorted(LIBRARY.rglob("*.py"))


def test_import_contracts_hold():
    """The dependency rules of pyproject.toml (import-linter): layers within each domain, what
    services, adapters and formats may import, the library's independence from the app. .ci/run
    runs them too; here a plain pytest run catches a broken rule."""
    done = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports; "
                           "raise SystemExit(lint_imports(no_cache=True))"],
                          capture_output=True, text=True, cwd=REPO, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def _module_cycles(package_names: tuple[str, ...]) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan) in the import graph grimp builds."""
    import grimp

    graph = grimp.build_graph(*package_names, cache_dir=None)
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported.split(".")[0] not in package_names:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycles():
    """A cycle makes import order matter and hides which module is the lower one."""
    assert _module_cycles(("badge_service", "credentials")) == []


def test_the_cycle_detector_sees_a_cycle(tmp_path, monkeypatch):
    package = tmp_path / "cyclepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclepkg import b\n")
    (package / "b.py").write_text("from cyclepkg import a\n")
    (package / "c.py").write_text("from cyclepkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _module_cycles(("cyclepkg",)) == [["cyclepkg.a", "cyclepkg.b"]]


# pyld imports requests for its own default loader, which we never use (the network guard tests
# in test_jsonld.py prove no socket is opened); at run time we only rule out the app layers.
RUNTIME_FORBIDDEN = {"flask", "sqlalchemy", "flask_sqlalchemy", "badge_service"}


def test_importing_the_library_loads_no_app_layer():
    modules = sorted(".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
                     for p in _library_files())
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"forbidden = {sorted(RUNTIME_FORBIDDEN)!r}\n"
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in forbidden)\n"
        + "print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=120, check=True)
    assert done.stdout.strip() == ""


def test_no_clock_reads_in_library_code():
    offenders = []
    for path in _library_files():
        if path.relative_to(LIBRARY).as_posix() in CLOCK_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"now", "utcnow", "today", "time"}
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in {"datetime", "date", "time"}):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders


def test_no_socket_or_urlopen_in_library_code():
    # Importing socket or http is refused by the import contract; this catches urlopen reached
    # through another module (urllib.request), which the contract cannot name on its own.
    offenders = [path.name for path in _library_files()
                 if "urlopen" in path.read_text(encoding="utf-8")]
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


# --- the README's map is the tree ------------------------------------------------------------

#: Packages of the shared core, described in prose under the README's table.
CORE_PACKAGES = {"edge", "adapters", "formats", "migrations"}


def test_the_readme_map_matches_the_tree():
    """Every domain package is in the README's "Where things are" table and every row names a
    package that exists, with only the roles the layout allows."""
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\w+) \| `badge_service/(\w+)/` \|", section, re.M))
    assert rows, "the map has no rows"
    assert all(noun == package for noun, package in rows.items())
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")} - CORE_PACKAGES
    assert set(rows) == packages
    roles = {"models", "service", "api", "views", "cli", "forms", "__init__"}
    for package in packages:
        modules = {p.stem for p in (PACKAGE / package).iterdir()
                   if p.suffix == ".py" or (p / "__init__.py").exists()}
        extra = modules - roles
        assert not extra, f"badge_service/{package}/ holds {sorted(extra)}"
    for core in CORE_PACKAGES - {"migrations"}:
        assert f"`{core}/`" in section

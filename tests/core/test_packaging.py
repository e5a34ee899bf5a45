"""What the shipped code imports is what `pip install .` installs.

The development machine and CI have many packages installed besides ours, so a missing
dependency passes every other test and only breaks on a fresh machine (urllib3 once did: the
README's first command failed there). This test reads every import of the shipped packages and
checks that each third-party one is declared in pyproject.toml's ``dependencies``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ("badge_service", "credentials", "schemas")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_normalise(re.split(r"[\s<>=!~\[;]", spec, maxsplit=1)[0])
            for spec in project["dependencies"]}


def _top_level_imports(root: Path) -> dict[str, str]:
    """Top-level module → first file importing it (absolute imports only)."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts and "versions" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(REPO)))
    return found


def _undeclared(declared: set[str]) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    undeclared = []
    for package in SHIPPED:
        for module, where in _top_level_imports(REPO / package).items():
            if module in sys.stdlib_module_names or module in SHIPPED:
                continue
            providers = {_normalise(d) for d in distributions.get(module, [])}
            assert providers, f"{where} imports {module!r}, which no installed package provides"
            if not providers & declared:
                undeclared.append(f"{module} (from {where}; provided by {sorted(providers)})")
    return undeclared


def test_every_third_party_import_is_a_declared_dependency():
    undeclared = _undeclared(_declared())
    assert not undeclared, "imported but not in pyproject dependencies: " + ", ".join(undeclared)


def test_the_check_reports_a_missing_dependency():
    undeclared = _undeclared(_declared() - {"urllib3"})
    assert [entry.split(" ")[0] for entry in undeclared] == ["urllib3"]

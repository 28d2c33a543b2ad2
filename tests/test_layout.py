"""The layering the README describes, checked on the source: who may import whom, where SQL and settings live."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["quant", "storage", "vendors", "resources", "partitions", "stratengine_assets", "sensors", "cli"]
# each package and the project packages it may import (besides itself); the order is the layering, bottom up
MAY_IMPORT = {
    "quant": set(),
    "storage": {"quant"},
    "vendors": {"quant", "storage"},
    "resources": {"quant", "storage", "vendors"},
    "partitions": {"quant", "resources"},
    "stratengine_assets": {"quant", "storage", "vendors", "resources", "partitions"},
    "sensors": {"quant", "storage", "vendors", "resources", "partitions", "stratengine_assets"},
    "cli": {"quant", "storage", "vendors", "resources", "partitions", "stratengine_assets", "sensors"},
}
ROOT_DEFINITIONS = "stratengine_assets.definitions"  # the top: it assembles the domains and the sensors


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(path: Path) -> set[str]:
    """Every module name an import statement in the file names (function-local imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def project_edges() -> dict[str, set[str]]:
    """module -> the project modules it imports."""
    known = modules()
    edges = {}
    for name, path in known.items():
        targets = set()
        for target in imported(path):
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                targets.add(target)
        edges[name] = targets
    return edges


def test_no_import_cycles():
    edges, state, cycles = project_edges(), {}, []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert cycles == []


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_down_the_layers(package):
    wrong = []
    for module, targets in project_edges().items():
        if module.split(".")[0] != package or module == ROOT_DEFINITIONS:
            continue
        for target in targets:
            top = target.split(".")[0]
            if top != package and top not in MAY_IMPORT[package]:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_the_quant_core_imports_neither_dagster_nor_duckdb():
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "quant").rglob("*.py")
        for name in imported(path)
        if name.split(".")[0] in {"dagster", "duckdb", "dagster_duckdb"}
    }
    assert offending == set()


def _product_files(outside: str) -> list[Path]:
    return [p for package in PACKAGES if package != outside for p in (ROOT / package).rglob("*.py")]


def test_duckdb_and_sql_live_in_the_storage_package():
    opens_duckdb = [
        str(p.relative_to(ROOT))
        for p in _product_files("storage")
        if "duckdb" in {name.split(".")[0] for name in imported(p)}
    ]
    assert opens_duckdb == ["resources/warehouse.py"]  # the Dagster resource hands storage its connection
    writes_sql = [
        str(p.relative_to(ROOT))
        for p in _product_files("storage")
        if any(word in p.read_text() for word in ("SELECT ", "INSERT INTO", "DELETE FROM", "CREATE TABLE"))
    ]
    assert writes_sql == []


def test_environment_variables_are_read_in_one_module():
    readers = [str(p.relative_to(ROOT)) for p in _product_files("") if "os.environ" in p.read_text()]
    assert readers == ["resources/settings.py"]


def test_the_root_definitions_only_assemble():
    source = (ROOT / "stratengine_assets" / "definitions.py").read_text()
    tree = ast.parse(source)
    assert len(source.splitlines()) < 40
    assert not [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]

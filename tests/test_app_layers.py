"""The shape of the house (docs/architecture.md), checked on the source:

- an app imports only from apps to its left, with no exceptions; cross-app effects to the right go
  through extension points (customers.timeline, customers.hooks, complaints'
  rating_asked_elsewhere_register), registered in the right-hand app's AppConfig.ready();
- no module imports a private name (`_x`) from another module;
- no import circle between modules, except a services <-> tasks pair (a service enqueues its task,
  the task calls the service);
- no module over 600 lines (past ~500 a module becomes a package split by sub-domain).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lowest first. `csm` wires everything together and sits above them all; nothing imports it.
LAYERS = [
    "core",
    "accounts",
    "customers",
    "visits",
    "complaints",
    "surveys",
    "feedback",
    "privacy",
    "reports",
    "evidence",
    "demo",
]
PACKAGES = [*LAYERS, "csm"]
MAX_LINES = 600
# Being split into packages on their own branches; this list empties when they land.
PENDING: set[str] = set()


def _sources() -> list[Path]:
    paths = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" not in relative.parts and str(relative) not in PENDING:
                paths.append(path)
    return paths


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(absolute module, imported names, line) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = _module_name(path)
    package = module if _is_package(path) else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((alias.name, [], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((target, [alias.name for alias in node.names], node.lineno))
    return found


def test_no_app_imports_an_app_to_its_right():
    wrong = []
    for path in _sources():
        relative = path.relative_to(ROOT)
        app = relative.parts[0]
        if app == "csm":
            right = set()
        else:
            right = set(LAYERS[LAYERS.index(app) + 1 :]) | {"csm"}
        for target, _names, line in _imports(path):
            if target.split(".")[0] in right:
                wrong.append(f"{relative}:{line} imports {target}")
    assert wrong == []


def test_no_module_imports_a_private_name_from_another_module():
    modules = {_module_name(path) for path in _sources()}
    wrong = []
    for path in [*_sources(), *sorted((ROOT / "tests").rglob("*.py")), *sorted((ROOT / "bench").rglob("*.py"))]:
        for target, names, line in _imports(path):
            if target.split(".")[0] not in PACKAGES:
                continue
            for name in names:
                private = name.startswith("_") and not name.startswith("__")
                # `from package import _module` is a private module, just as bad.
                if private or (f"{target}.{name}" in modules and name.startswith("_")):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}.{name}")
            if any(part.startswith("_") and not part.startswith("__") for part in target.split(".")):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports the private module {target}")
    assert wrong == []


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in _sources()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, names, _line in _imports(path):
            # `from package import module` depends on the module, `from module import name` on the module.
            for candidate in [f"{target}.{n}" for n in names] or [target]:
                if candidate in modules:
                    graph[name].add(candidate)
                    break
            else:
                if target in modules:
                    graph[name].add(target)
    for name in graph:
        graph[name].discard(name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _services_tasks_pair(component: list[str]) -> bool:
    """A service enqueues its own task and the task calls the service: the one accepted circle. The
    service side is a services module or package (its modules and its __init__), or a module of
    services named by its sub-domain (customers.importing.batches), in the same app as the tasks."""
    apps = {name.split(".")[0] for name in component}
    tasks = [name for name in component if name.endswith(".tasks")]
    others = [name for name in component if not name.endswith(".tasks")]
    if len(apps) != 1 or len(tasks) != 1 or not others:
        return False
    side = min(others, key=len)
    return all(name == side or name.startswith(side + ".") for name in others)


def test_no_import_circle_except_a_services_tasks_pair():
    circles = [component for component in _cycles(_graph()) if not _services_tasks_pair(component)]
    assert circles == []


def test_no_module_is_over_600_lines():
    long = []
    for path in _sources():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long.append(f"{path.relative_to(ROOT)} ({lines})")
    assert long == []

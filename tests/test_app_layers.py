"""The documented import direction (docs/architecture.md): an app imports only from apps to its
left. Cross-app effects to the right go through extension points (customers.timeline, customers.hooks,
complaints' rating_asked_elsewhere_register), registered in the right-hand app's AppConfig.ready()."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "accounts", "customers", "visits", "complaints", "surveys", "reports"]
# The known exceptions, each a page or command at the edge, never a model, service or selector:
ALLOWED = {
    # seed_demo loads every app's demo data, so it knows them all.
    Path("customers/management/commands/seed_demo.py"),
    # core's pages (health check, audit trail) take their access decision from accounts.access.
    Path("core/views.py"),
    Path("core/audit_views.py"),
    # The visit page's "issue -> complaint" button calls complaints' intake service.
    Path("visits/views/visits.py"),
}


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


def test_no_app_imports_an_app_to_its_right():
    wrong = []
    for position, app in enumerate(LAYERS):
        right = set(LAYERS[position + 1 :])
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative in ALLOWED:
                continue
            for name in sorted(_imported_apps(path) & right):
                wrong.append(f"{relative} imports {name}")
    assert wrong == []

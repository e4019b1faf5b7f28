"""Bounded contexts stay apart: no foreign keys across them, imports only via api/events."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

CONTEXTS = {"orders", "payments", "reservations", "customer"}
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_no_relation_points_into_another_context():
    crossings = []
    for model in apps.get_models():
        own = model._meta.app_label
        if own not in CONTEXTS:
            continue
        for field in model._meta.get_fields():
            # Forward relations only: reverse ones are the other side's forward relation.
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            target = field.related_model._meta.app_label
            if target in CONTEXTS and target != own:
                crossings.append(f"{own}.{model.__name__}.{field.name} -> {target}")

    assert crossings == [], "store the other context's id instead of a foreign key"


def test_the_relation_check_sees_the_customer_contexts_user_link():
    # Guards the test above against silently checking nothing.
    field = apps.get_model("customer", "GuestProfile")._meta.get_field("user")

    assert field.is_relation
    assert field.related_model._meta.app_label == "auth"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_linter_passes_on_the_real_tree():
    result = lint_imports(Path(settings.BASE_DIR))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree_with_a_violation(tmp_path: Path) -> Path:
    base = Path(settings.BASE_DIR)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("apps", "hotel"):
        shutil.copytree(base / package, tmp_path / package, ignore=ignore)
    shutil.copy(base / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "apps" / "payments" / "violation.py").write_text(
        '"""A deliberate boundary violation."""\n\nfrom apps.orders import models  # noqa: F401\n'
    )
    return tmp_path


def test_import_linter_rejects_a_context_importing_another_contexts_models(
    tree_with_a_violation,
):
    result = lint_imports(tree_with_a_violation)

    assert result.returncode != 0
    assert "apps.payments.violation -> apps.orders.models" in result.stdout
    assert "Contexts talk to each other only through api.py and events.py BROKEN" in result.stdout

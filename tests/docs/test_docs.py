"""The documentation stays true to the code: generated references are current, and every
setting, API error code and dependency is documented."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import tomllib
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "entcredit"
REGENERATE = "docs are stale: run `.venv/bin/python scripts/gen-docs` and commit the result"


@cache
def gen_docs() -> ModuleType:
    """scripts/gen-docs has no .py suffix; load it as a module."""
    path = ROOT / "scripts" / "gen-docs"
    loader = importlib.machinery.SourceFileLoader("entcredit_gen_docs", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# -- generated references -----------------------------------------------------------------


def test_cli_reference_is_current() -> None:
    assert read("cli.md") == gen_docs().render_cli(), f"docs/cli.md: {REGENERATE}"


def test_configuration_reference_is_current() -> None:
    assert read("configuration.md") == gen_docs().render_configuration(), (
        f"docs/configuration.md: {REGENERATE}"
    )


def test_route_table_is_current() -> None:
    current = read("api.md")
    assert current == gen_docs().render_api(current), f"docs/api.md route table: {REGENERATE}"


def test_every_route_has_an_owner_in_the_table() -> None:
    rows = gen_docs().route_rows()
    assert rows, "no routes found"
    assert not [r for r in rows if "UNOWNED" in r[2]]


def test_cli_reference_covers_every_command() -> None:
    import typer

    from entcredit.cli.main import app

    text = read("cli.md")
    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="entcredit")
    for _cmd, c in gen_docs()._walk(root, ctx):
        assert f"\n## {c.command_path}\n" in text or f"# {c.command_path}\n" in text


# -- settings -------------------------------------------------------------------------------


def test_every_setting_is_described() -> None:
    gd = gen_docs()
    missing = gd.undocumented_settings()
    assert not missing, (
        f"settings without a description: {missing}; add them to SETTING_DOCS in "
        "scripts/gen-docs, then run it"
    )
    assert not gd.stale_setting_docs(), "SETTING_DOCS describes settings that no longer exist"


def test_every_setting_appears_in_configuration_md() -> None:
    from entcredit.settings import Settings

    text = read("configuration.md")
    for name in Settings.model_fields:
        assert f"`ENTCREDIT_{name.upper()}`" in text, name


def test_configuration_states_the_production_rule() -> None:
    text = read("configuration.md")
    assert "ENTCREDIT_SECRET_KEY" in text and "ENTCREDIT_PII_HASH_KEY" in text
    assert "at least 32" in text


# -- API error codes ------------------------------------------------------------------------

_API_ERROR = re.compile(r"ApiError\(\s*\d{3}\s*,\s*\"([a-z0-9_]+)\"")
_ERROR_BODY = re.compile(r"error_(?:body|response)\(\s*(?:\d{3}\s*,\s*)?\"([a-z0-9_]+)\"")
_CODE_KWARG = re.compile(r"\bcode(?::\s*str)?\s*=\s*\"([a-z0-9_]+)\"")
# The search's query errors reach the open API with their own codes.
_QUERY_ERROR = re.compile(r"QueryError\(\s*\"([a-z0-9_]+)\"")


def api_error_codes() -> set[str]:
    """Every error code the API can return: literal ApiError codes in any module, the
    framework-status codes, and the identity errors the admin API passes through."""
    from entcredit.identity.service import IdentityError
    from entcredit.web import errors

    codes: set[str] = set(errors._DEFAULT_CODES.values())
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "ApiError" not in text and "error_body" not in text and "error_response" not in text:
            continue
        codes.update(_API_ERROR.findall(text))
        codes.update(_ERROR_BODY.findall(text))
    for path in (SRC / "search").rglob("*.py"):
        codes.update(_QUERY_ERROR.findall(path.read_text(encoding="utf-8")))
    codes.update(_CODE_KWARG.findall((SRC / "web" / "errors.py").read_text(encoding="utf-8")))

    pending: list[type[IdentityError]] = [IdentityError]
    while pending:
        cls = pending.pop()
        codes.add(cls.code)
        pending.extend(cls.__subclasses__())
    return codes


def test_error_code_scan_finds_the_known_codes() -> None:
    # Guards the scanner itself: if it silently found nothing, the next test would pass.
    found = api_error_codes()
    for code in ("batch_refused", "csrf_failed", "department_forbidden", "not_authenticated"):
        assert code in found
    assert "duplicate_user" in found and "payload_too_large" in found


def test_every_api_error_code_is_documented() -> None:
    text = read("api.md")
    missing = sorted(c for c in api_error_codes() if f"`{c}`" not in text)
    assert not missing, f"error codes missing from docs/api.md: {missing}"


def test_documented_error_codes_exist() -> None:
    text = read("api.md")
    table = text[text.index("## Errors") :]
    documented = set(re.findall(r"^\| (?:\d{3}|any) \| `([a-z0-9_<>]+)` \|", table, re.M))
    unknown = documented - api_error_codes() - {"http_<status>"}
    assert not unknown, f"docs/api.md documents codes the code never returns: {sorted(unknown)}"


# -- dependencies ---------------------------------------------------------------------------


def _requirement_name(spec: str) -> str:
    name = re.split(r"[\s<>=!~;\[(]", spec.strip(), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def declared_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    return {_requirement_name(s) for s in specs}


def test_every_dependency_is_documented() -> None:
    text = read("dependencies.md").lower()
    deps = declared_dependencies()
    assert "sqlalchemy" in deps and "pytest" in deps
    missing = sorted(d for d in deps if f"`{d}" not in text)
    assert not missing, f"dependencies missing from docs/dependencies.md: {missing}"


# -- the README's promises --------------------------------------------------------------------


@pytest.mark.parametrize(
    "needle",
    [
        "scripts/demo",
        "scripts/test",
        "data/admin-credentials.json",
        "http://127.0.0.1:8000/",
        ".venv/bin/python benchmarks/bench_ingest.py",
        "<!-- bench-ingest -->",
        "Apache-2.0",
    ],
)
def test_readme_states(needle: str) -> None:
    assert needle in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_docs_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(((?:docs/)?[\w.-]+\.md)\)", readme):
        assert (ROOT / target).exists(), target
    for name in ("ingest.md", "api.md", "cli.md", "configuration.md", "dependencies.md"):
        assert f"docs/{name}" in readme


def test_demo_script_matches_readme() -> None:
    demo = (ROOT / "scripts" / "demo").read_text(encoding="utf-8")
    assert "entcredit demo" in demo
    from entcredit.cli.main import demo_cmd

    assert "admin-credentials.json" in (SRC / "cli" / "main.py").read_text(encoding="utf-8")
    assert demo_cmd.__defaults__ is not None and 0.001 in demo_cmd.__defaults__

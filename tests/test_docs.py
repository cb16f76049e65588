"""Documentation stays true: every CLI command, canonical column and KPI key is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from cli import app
from domain.canonical import FORMATS
from domain.serialize import KPI_KEYS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
FORMATS_DOC = (ROOT / "docs" / "data-formats.md").read_text()


def cli_commands() -> list[str]:
    group = typer.main.get_command(app)
    out = []
    for name, cmd in group.commands.items():
        subs = getattr(cmd, "commands", None)
        out += [f"{name} {s}" for s in subs] if subs else [name]
    return out


@pytest.mark.parametrize("command", cli_commands())
def test_every_cli_command_is_in_the_readme(command):
    assert f"python cli.py {command}" in README, f"README does not show `python cli.py {command}`"


@pytest.mark.parametrize(("kind", "column"), [(k, c) for k, f in FORMATS.items() for c in f.columns])
def test_every_canonical_column_is_documented(kind, column):
    section = FORMATS_DOC.split(f"## {kind} ")[1].split("\n## ")[0]
    assert f"| {column} |" in section or f"| {column}," in section or f", {column} |" in section, (kind, column)


@pytest.mark.parametrize("key", KPI_KEYS)
def test_every_kpi_key_is_documented(key):
    assert key in FORMATS_DOC


def test_readme_has_exactly_the_two_setup_commands():
    setup = README.split("## Set-up on a fresh machine")[1].split("\n## ")[0]
    commands = [line for line in setup.splitlines() if line.startswith(("pip ", "streamlit ", "pytest"))]
    assert commands == [
        "pip install -r requirements.txt && streamlit run app.py",
        "pip install -r requirements-dev.txt && pytest",
    ]

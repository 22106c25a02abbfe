"""The README's set-up commands stay true: CI runs exactly its test command."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    return [line.strip() for line in lines[:12] if line.startswith("    python3 -m venv")]


def test_readme_opens_with_the_demo_and_the_test_command():
    demo, tests = readme_commands()
    assert "vidrun" in demo.rsplit("&&", 1)[1]
    assert tests.endswith("python -m pytest -q")


def test_ci_runs_the_readme_test_command_verbatim():
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert readme_commands()[1] in ci_lines

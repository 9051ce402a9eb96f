"""Every hook is documented, both in its docstring and in docs/plugin-hooks.md."""

from __future__ import annotations

import inspect
import re

from samverka.plugins import hookspecs


def hook_names() -> list[str]:
    return [
        name
        for name, func in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(func, "samverka_spec")
    ]


def test_there_are_hooks():
    assert "register_manifest" in hook_names()
    assert len(hook_names()) >= 7


def test_every_hook_has_a_docstring():
    undocumented = [n for n in hook_names() if not inspect.getdoc(getattr(hookspecs, n))]
    assert undocumented == []


def test_every_hook_has_a_section_in_the_docs(repo_root):
    text = (repo_root / "docs" / "plugin-hooks.md").read_text()
    sections = set(re.findall(r"^### (\w+)$", text, flags=re.M))
    missing = sorted(set(hook_names()) - sections)
    stale = sorted(sections - set(hook_names()))
    assert missing == [], f"hooks without a section in docs/plugin-hooks.md: {missing}"
    assert stale == [], f"sections for hooks that do not exist: {stale}"

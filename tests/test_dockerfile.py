"""The Dockerfile cannot be built here (no Docker engine), so its promises are read from it:
two stages, compilers only in the builder, a non-root final stage on python:3.11-slim, and
every path it copies present in the repository and not excluded by .dockerignore."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split by FROM."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    found: list[list[str]] = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            found.append([])
        if found:
            found[-1].append(line)
    return found


def test_builder_and_a_slim_non_root_runtime():
    builder, runtime = stages()
    assert builder[0].endswith(" AS builder")
    assert any("build-essential" in line for line in builder)
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in (ROOT / "Dockerfile").read_text()
    assert runtime[0] == "FROM ${PYTHON_IMAGE}"
    joined = "\n".join(runtime)
    assert "build-essential" not in joined and "-dev" not in joined
    installs = [line for line in runtime if "apt-get install" in line]
    assert len(installs) == 1 and "--no-install-recommends" in installs[0]
    assert "rm -rf /var/lib/apt/lists/*" in installs[0]
    (user,) = [line for line in runtime if line.startswith("USER ")]
    assert user.split()[1].split(":")[0] not in ("root", "0")
    assert runtime[-2] == 'ENTRYPOINT ["samverka"]'
    assert runtime[-1].startswith('CMD ["serve", "--host", "0.0.0.0"')
    assert 'VOLUME ["/var/lib/samverka", "/tmp"]' in runtime
    assert "SAMVERKA_INSTANCE_PATH=/var/lib/samverka" in joined


def test_copied_paths_exist_and_are_not_ignored():
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    builder, _runtime = stages()
    sources = [
        part
        for line in builder
        if line.startswith("COPY ") and "--from" not in line
        for part in line.split()[1:-1]
    ]
    assert {"pyproject.toml", "README.md", "platform", "migrations", "plugins"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
    for needed in ("platform/samverka/web/static", "platform/samverka/translations"):
        assert not any(fnmatch.fnmatch(needed, pattern) for pattern in ignored)


def test_the_runtime_installs_the_pdf_libraries_bin_setup_installs():
    """WeasyPrint needs Pango at run time: the image installs exactly what bin/setup checks."""
    setup = (ROOT / "bin" / "setup").read_text()
    wanted = set(re.search(r"for pkg in ([^;]+); do", setup).group(1).split())
    (install,) = [line for line in stages()[1] if "apt-get install" in line]
    packages = install.split("--no-install-recommends", 1)[1].split("&&", 1)[0].split()
    assert set(packages) == wanted

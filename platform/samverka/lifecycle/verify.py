"""Checking an archive offline: every file against the manifest, and the audit chain.

Needs only the zip: each file's size and SHA-256 must match ``manifest.json`` (and no file may
be missing or extra), and ``core/audit/entries.jsonl`` must form an unbroken hash chain from
the base to the head recorded in ``core/audit/chain.json`` (the same check as ``samverka
audit verify`` runs on the database). Used by ``samverka audit verify-archive FILE``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from samverka.audit.chain import entry_hash
from samverka.lifecycle.archive import CHUNK, FORMAT, MANIFEST, README

CHAIN_FILE = "core/audit/chain.json"
ENTRIES_FILE = "core/audit/entries.jsonl"


@dataclass
class ArchiveCheck:
    tenant: str = ""
    files: int = 0
    audit_entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "tenant": self.tenant,
            "files": self.files,
            "audit_entries": self.audit_entries,
            "problems": self.problems,
        }


def verify_archive(path: Path | str) -> ArchiveCheck:
    check = ArchiveCheck()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        check.problems.append(f"not a readable zip file ({type(error).__name__})")
        return check
    with archive:
        manifest = _manifest(archive, check)
        if manifest is None:
            return check
        check.tenant = str(manifest.get("tenant", {}).get("slug", ""))
        _check_files(archive, manifest, check)
        if not check.problems:
            _check_chain(archive, check)
    return check


def _manifest(archive: zipfile.ZipFile, check: ArchiveCheck) -> dict | None:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError):
        check.problems.append("manifest.json is missing or not JSON")
        return None
    if manifest.get("format") != FORMAT:
        check.problems.append(f"manifest.json does not describe a {FORMAT}")
        return None
    return manifest


def _check_files(archive: zipfile.ZipFile, manifest: dict, check: ArchiveCheck) -> None:
    listed = {entry["path"]: entry for entry in manifest.get("files", [])}
    present = set(archive.namelist()) - {MANIFEST, README}
    for extra in sorted(present - set(listed)):
        check.problems.append(f"{extra}: in the archive but not in the manifest")
    for path, entry in listed.items():
        if path not in present:
            check.problems.append(f"{path}: listed in the manifest but missing")
            continue
        digest, size = hashlib.sha256(), 0
        with archive.open(path) as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        if size != entry.get("size") or digest.hexdigest() != entry.get("sha256"):
            check.problems.append(f"{path}: size or SHA-256 differs from the manifest")
        check.files += 1


def _check_chain(archive: zipfile.ZipFile, check: ArchiveCheck) -> None:
    if CHAIN_FILE not in archive.namelist():
        check.problems.append(f"{CHAIN_FILE} is missing")
        return
    chain = json.loads(archive.read(CHAIN_FILE))
    expected, prev = chain["base_seq"] + 1, chain["base_hash"]
    with archive.open(ENTRIES_FILE) as stream:
        for number, line in enumerate(stream, start=1):
            entry = json.loads(line)
            problem = _entry_problem(entry, chain["chain"], expected, prev)
            if problem:
                check.problems.append(
                    f"audit entry on line {number} (seq {entry.get('seq')}): {problem}"
                )
                return
            expected, prev = entry["seq"] + 1, entry["hash"]
            check.audit_entries += 1
    if (expected - 1, prev) != (chain["head_seq"], chain["head_hash"]):
        check.problems.append(
            f"the audit chain ends at seq {expected - 1} but its head records seq "
            f"{chain['head_seq']} (entries missing from the end)"
        )


def _entry_problem(entry: dict, chain: str, expected: int, prev: str) -> str | None:
    if entry.get("chain") != chain:
        return "belongs to another chain"
    if entry.get("seq") != expected:
        return f"expected seq {expected} (an entry is missing, repeated or moved)"
    if entry.get("prev_hash") != prev:
        return "prev_hash does not match the previous entry"
    if entry_hash(entry) != entry.get("hash"):
        return "its contents do not match its hash (changed)"
    return None

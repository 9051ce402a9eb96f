"""The indicators' jobs report progress with msgids the catalogue extracts (the job page
translates them), and an import's check step counts the rows it reads."""

from __future__ import annotations

import ast
from pathlib import Path

import samverka_indicators
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from samverka_indicators import imports, jobs

PACKAGE = Path(samverka_indicators.__file__).parent
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _constants(tree: ast.Module) -> dict[str, str]:
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _progress_messages(path: Path) -> set[str]:
    """The third argument of every ``report_progress`` call in ``path``, resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = _constants(tree)
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "report_progress"
            and len(node.args) == 3
        ):
            message = node.args[2]
            if isinstance(message, ast.Name):
                found.add(names.get(message.id, f"<unresolved {message.id}>"))
            else:
                found.add(message.value if isinstance(message, ast.Constant) else "<computed>")
    return found


def _extracted() -> set[str]:
    found = set()
    for path in PACKAGE.glob("*.py"):
        for _line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_progress_message_is_an_extracted_msgid():
    messages = set().union(*(_progress_messages(path) for path in PACKAGE.glob("*.py")))
    assert {jobs.READING, jobs.CHECKING, jobs.IMPORTING} <= messages
    assert messages <= _extracted(), messages - _extracted()


def test_the_check_step_counts_the_data_rows():
    header = ["municipality", "element", "period", "value"]
    assert jobs.rows_to_check([header] + [["1762", "N01951", "2023", "1"]] * 3) == 3
    assert jobs.rows_to_check([header]) == 1
    assert jobs.rows_to_check([]) == 1
    assert jobs.rows_to_check([header] * (imports.MAX_ROWS + 5)) == imports.MAX_ROWS

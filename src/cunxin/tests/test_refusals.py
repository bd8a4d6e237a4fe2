"""A test that expects a refusal names which one.

``pytest.raises(DomainError)`` alone passes for any refusal: a permission error where a
validation error was meant, or the reverse. Every expected domain error (``DomainError`` and its
kinds) is bound to a name whose ``.value.code`` the test asserts, or handed back by a helper
(``return info.value``) to callers that do.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cunxin

DOMAIN_ERRORS = {"DomainError", "Conflict", "Forbidden", "NotFound", "RateLimited", "LedgerError"}
ROOT = Path(cunxin.__file__).parent


def _raised(call: ast.expr) -> str | None:
    """The error class name of a ``pytest.raises(X)`` call, else None."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
        return None
    if call.func.attr != "raises" or not call.args:
        return None
    kind = call.args[0]
    name = kind.id if isinstance(kind, ast.Name) else getattr(kind, "attr", None)
    return name if name in DOMAIN_ERRORS else None


def _checked(function: ast.AST) -> set[str]:
    """Names whose ``.value.code`` the function reads, or whose ``.value`` it returns."""
    names: set[str] = set()
    for node in ast.walk(function):
        reads_code = isinstance(node, ast.Attribute) and node.attr == "code"
        value = node.value if reads_code or isinstance(node, ast.Return) else None  # type: ignore[attr-defined]
        if (
            isinstance(value, ast.Attribute)
            and value.attr == "value"
            and isinstance(value.value, ast.Name)
        ):
            names.add(value.value.id)
    return names


def unchecked_refusals(source: str, filename: str = "") -> list[str]:
    """``file:line`` of each expected domain error whose code nothing checks."""
    found: list[str] = []
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        checked = _checked(function)
        for node in ast.walk(function):
            if not isinstance(node, ast.With):
                continue
            for item in node.items:
                if _raised(item.context_expr) is None:
                    continue
                bound = item.optional_vars
                if not (isinstance(bound, ast.Name) and bound.id in checked):
                    found.append(f"{filename}:{node.lineno}")
    return sorted(set(found))


def test_every_expected_refusal_asserts_its_error_code() -> None:
    found = [
        hit
        for path in sorted(ROOT.rglob("test_*.py"))
        for hit in unchecked_refusals(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == [], (
        "pytest.raises(<domain error>) without asserting which one: bind it "
        "(`as refused`) and assert `refused.value.code == ...`:\n" + "\n".join(found)
    )


def test_the_check_sees_a_refusal_whose_code_is_not_asserted() -> None:
    bare = "def test_x():\n    with pytest.raises(Conflict):\n        act()\n"
    message_only = (
        "def test_x():\n    with pytest.raises(DomainError) as info:\n        act()\n"
        "    assert 'x' in str(info.value)\n"
    )
    checked = (
        "def test_x():\n    with pytest.raises(Forbidden) as info, transaction.atomic():\n"
        "        act()\n    assert info.value.code == 'forbidden'\n"
    )
    helper = (
        "def refused():\n    with pytest.raises(actions.LedgerError) as info:\n"
        "        act()\n    return info.value\n"
    )
    other = "def test_x():\n    with pytest.raises(ValueError):\n        act()\n"
    assert unchecked_refusals(bare) == [":2"]
    assert unchecked_refusals(message_only) == [":2"]
    assert unchecked_refusals(checked) == []
    assert unchecked_refusals(helper) == []
    assert unchecked_refusals(other) == []

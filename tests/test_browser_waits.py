"""Browser tests wait on functions, not expressions.

Playwright evaluates a `wait_for_function` expression again with `eval` on every poll after the
first, and the pages' Content Security Policy (no 'unsafe-eval') refuses that: such a wait
passes when its condition already holds and fails whenever it has to wait. A function is
evaluated once, through DevTools, and then called.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTION = re.compile(r"^\s*(\([^)]*\)\s*=>|\w+\s*=>|function\b|async\b)")


def _waits():
    for path in sorted(ROOT.glob("**/*.py")):
        if ".venv" in path.parts or "wait_for_function" not in path.read_text():
            continue
        tree = ast.parse(path.read_text())
        constants = {
            target.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wait_for_function"
                and node.args
            ):
                arg = node.args[0]
                if isinstance(arg, ast.Name):
                    value = constants.get(arg.id, "")
                elif isinstance(arg, ast.Constant):
                    value = arg.value
                elif isinstance(arg, ast.JoinedStr):
                    value = "".join(v.value for v in arg.values if isinstance(v, ast.Constant))
                else:
                    value = ""
                yield f"{path.relative_to(ROOT)}:{node.lineno}", value


def test_every_wait_for_function_is_given_a_function():
    waits = list(_waits())
    assert len(waits) > 10
    expressions = [where for where, value in waits if not FUNCTION.match(str(value))]
    assert expressions == []

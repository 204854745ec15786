"""JSON parsing with bounded nesting depth and array length."""

from __future__ import annotations

import json
from typing import Any

from .errors import BadJson


def _no_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def parse_json(body: bytes, *, max_depth: int = 32, max_items: int = 500) -> Any:
    """Parse JSON and reject nesting deeper than max_depth or arrays longer than max_items."""
    try:
        value = json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        raise BadJson(f"JSON nested deeper than {max_depth} levels") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, huge integers
        raise BadJson(f"invalid JSON: {exc}") from None
    check_json(value, max_depth=max_depth, max_items=max_items)
    return value


def check_json(value: Any, *, max_depth: int = 32, max_items: int = 500) -> None:
    """Walk a parsed JSON value iteratively (no recursion) and enforce the limits."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            if len(item) > max_items:
                raise BadJson(f"JSON array has {len(item)} items; at most {max_items} allowed")
            children = item
        else:
            continue
        if depth > max_depth:
            raise BadJson(f"JSON nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))

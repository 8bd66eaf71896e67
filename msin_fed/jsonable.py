"""One JSON form for the library's domain types, used by every ``--json`` output.

Rules, in order: ``None``, booleans, numbers and strings as they are; enums by their
value (a code such as ``AMBER+STRICT`` or ``TLK``); a value type with its own text form
(``Grade`` prints ``2BP``) as that text; dates and times in ISO 8601; paths as text;
bytes as hex; dataclasses as objects of their fields; mappings, lists, tuples, sets as
objects and arrays. Anything else is a ``TypeError`` naming the type, so a new type is
given a form here rather than in each command.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

__all__ = ["dumps", "jsonable"]


def _has_own_text(value: object) -> bool:
    """True for a type that defines ``__str__`` itself (a value type such as Grade)."""
    return any("__str__" in vars(k) for k in type(value).__mro__[:-1])


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (dict, list, str, int, float, bool, None)."""
    if value is None or (isinstance(value, bool | int | float) and not isinstance(value, enum.Enum)):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if _has_own_text(value):
            return str(value)
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if _has_own_text(value):
        return str(value)
    raise TypeError(f"no JSON form for an object of type {type(value).__name__}")


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON text (see :func:`jsonable`), non-ASCII kept as is."""
    return json.dumps(jsonable(value), indent=indent, ensure_ascii=False)

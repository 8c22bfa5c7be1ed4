"""Schemas of recipe parameters: every operation says which ``params`` it takes, of what type and range.

A recipe is data from a file: :func:`check_params` refuses unknown and missing keys, wrong types
and values out of range with one clear line, before anything is computed.

Examples
--------
>>> schema = {"radius": Number(low=0), "edge": Choice(("none", "cosine")), "center": Triple(optional=True)}
>>> check_params("shape", {"radius": 4, "edge": "none"}, schema)
>>> check_params("shape", {"radius": -1, "edge": "none"}, schema)
Traceback (most recent call last):
ValueError: shape recipe: params.radius must be ≥ 0, got -1
>>> check_params("shape", {"radius": 4, "edge": "none", "colour": 1}, schema)
Traceback (most recent call last):
ValueError: shape recipe: unknown parameter 'colour' (known: center, edge, radius)
"""

from __future__ import annotations

import math


class Field:
    """One parameter. ``optional`` ones may be missing; ``nullable`` ones may be null (None).

    Plain classes, not dataclasses: defining these as frozen dataclasses took 10 ms of every
    command's start.
    """

    def __init__(self, *, optional: bool = False, nullable: bool = False):
        self.optional, self.nullable = optional, nullable

    def check(self, value) -> str | None:
        """None when ``value`` fits, else what is wrong (completing "must ...")."""
        raise NotImplementedError

    def problem(self, value) -> str | None:
        if value is None:
            return None if self.nullable else "must not be null"
        return self.check(value)


def _is_number(value) -> bool:
    """A JSON number that is finite as a float (JSON integers may hold hundreds of digits)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


class Number(Field):
    """A finite number, optionally ``≥ low`` (or ``> low`` with ``open_low``) and ``≤ high``."""

    def __init__(self, low: float | None = None, high: float | None = None, open_low: bool = False, **flags):
        super().__init__(**flags)
        self.low, self.high, self.open_low = low, high, open_low

    def check(self, value):
        if not _is_number(value):
            return "be a finite number"
        if self.low is not None and (value <= self.low if self.open_low else value < self.low):
            return f"be {'>' if self.open_low else '≥'} {self.low:g}"
        if self.high is not None and value > self.high:
            return f"be ≤ {self.high:g}"
        return None


class Whole(Number):
    """A whole number (an int, or a float with no fraction) in range."""

    def check(self, value):
        if not _is_number(value) or value != int(value):
            return "be a whole number"
        return super().check(value)


class Flag(Field):
    """true or false."""

    def check(self, value):
        return None if isinstance(value, bool) else "be true or false"


class Text(Field):
    """A string of at most ``max_length`` characters."""

    def __init__(self, max_length: int = 4096, **flags):
        super().__init__(**flags)
        self.max_length = max_length

    def check(self, value):
        if not isinstance(value, str):
            return "be a string"
        return None if len(value) <= self.max_length else f"be at most {self.max_length} characters"


class Choice(Field):
    """One of ``values``."""

    def __init__(self, values: tuple = (), **flags):
        super().__init__(**flags)
        self.values = values

    def check(self, value):
        return None if value in self.values else "be one of " + ", ".join(map(str, self.values))


class Triple(Field):
    """Three numbers (z, y, x), each checked by ``item`` (default: any finite number)."""

    def __init__(self, item: Number | None = None, **flags):
        super().__init__(**flags)
        self.item = Number() if item is None else item

    def check(self, value):
        if not isinstance(value, (list, tuple)) or len(value) != 3:
            return "be three numbers (z, y, x)"
        for v in value:
            wrong = self.item.check(v)
            if wrong:
                return f"hold three numbers (z, y, x), each of which must {wrong}"
        return None


class Box(Field):
    """A box size in voxels: one whole number from 1 to ``high`` for a cube, or three (z, y, x)."""

    def __init__(self, high: int | None = None, **flags):
        super().__init__(**flags)
        self.high = high

    def check(self, value):
        item = Whole(1, self.high)
        values = value if isinstance(value, (list, tuple)) else [value]
        if len(values) not in (1, 3) or any(item.check(v) for v in values):
            top = f"{self.high:,}" if self.high else "any"
            return f"be a box size: one whole number from 1 to {top} or three (z, y, x)"
        return None


class Version(Field):
    """Exactly the whole number ``number`` (JSON ``true`` equals 1 in Python, and is refused)."""

    def __init__(self, number: int = 1, **flags):
        super().__init__(**flags)
        self.number = number

    def check(self, value):
        ok = isinstance(value, int) and not isinstance(value, bool) and value == self.number
        return None if ok else f"be the number {self.number} (the recipe version)"


class Digest(Field):
    """A SHA-256 digest: 64 hexadecimal digits."""

    def check(self, value):
        ok = isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
        return None if ok else "be a SHA-256 digest (64 hexadecimal digits)"


class Mapping(Field):
    """A JSON object of at most ``max_items`` entries (its values are checked by who reads them)."""

    def __init__(self, max_items: int = 1000, **flags):
        super().__init__(**flags)
        self.max_items = max_items

    def check(self, value):
        if not isinstance(value, dict):
            return "be a JSON object"
        return None if len(value) <= self.max_items else f"have at most {self.max_items} entries"


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_fields(where: str, values, schema: dict, *, what: str = "parameter", prefix: str = "") -> None:
    """Raise ``ValueError`` naming the first entry of ``values`` that ``schema`` refuses.

    Unknown entries, missing ones (unless optional) and values of the wrong type or range are
    refused; ``where`` starts the message, ``what`` names the entries ("parameter", "key").
    """
    if not isinstance(values, dict):
        raise ValueError(f"{where}: {prefix.rstrip('.') or 'the recipe'} must be a JSON object")
    unknown = sorted(set(values) - set(schema), key=str)
    if unknown:
        raise ValueError(f"{where}: unknown {what} {_shown(unknown[0])} (known: {', '.join(sorted(schema))})")
    for name, field in schema.items():
        if name not in values:
            if not field.optional:
                raise ValueError(f"{where}: {what} {name!r} is missing")
            continue
        wrong = field.problem(values[name])
        if wrong:
            raise ValueError(f"{where}: {prefix}{name} must {wrong.removeprefix('must ')}, got {_shown(values[name])}")


def check_params(operation: str, params, schema: dict) -> None:
    """Raise ``ValueError`` naming the first parameter of ``params`` that ``schema`` refuses."""
    check_fields(f"{operation} recipe", params, schema, what="parameter", prefix="params.")

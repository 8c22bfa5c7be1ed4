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
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Field:
    """One parameter. ``optional`` ones may be missing; ``nullable`` ones may be null (None)."""

    optional: bool = False
    nullable: bool = False

    def check(self, value) -> str | None:
        """None when ``value`` fits, else what is wrong (completing "must ...")."""
        raise NotImplementedError

    def problem(self, value) -> str | None:
        if value is None:
            return None if self.nullable else "must not be null"
        return self.check(value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Number(Field):
    """A finite number, optionally ``≥ low`` (or ``> low`` with ``open_low``) and ``≤ high``."""

    low: float | None = None
    high: float | None = None
    open_low: bool = False

    def check(self, value):
        if not _is_number(value) or not math.isfinite(value):
            return "be a finite number"
        if self.low is not None and (value <= self.low if self.open_low else value < self.low):
            return f"be {'>' if self.open_low else '≥'} {self.low:g}"
        if self.high is not None and value > self.high:
            return f"be ≤ {self.high:g}"
        return None


@dataclass(frozen=True)
class Whole(Number):
    """A whole number (an int, or a float with no fraction) in range."""

    def check(self, value):
        if not _is_number(value) or not math.isfinite(value) or value != int(value):
            return "be a whole number"
        return super().check(value)


@dataclass(frozen=True)
class Flag(Field):
    """true or false."""

    def check(self, value):
        return None if isinstance(value, bool) else "be true or false"


@dataclass(frozen=True)
class Text(Field):
    """A string of at most ``max_length`` characters."""

    max_length: int = 4096

    def check(self, value):
        if not isinstance(value, str):
            return "be a string"
        return None if len(value) <= self.max_length else f"be at most {self.max_length} characters"


@dataclass(frozen=True)
class Choice(Field):
    """One of ``values``."""

    values: tuple = ()

    def check(self, value):
        return None if value in self.values else "be one of " + ", ".join(map(str, self.values))


@dataclass(frozen=True)
class Triple(Field):
    """Three numbers (z, y, x), each checked by ``item``."""

    item: Number = Number()

    def check(self, value):
        if not isinstance(value, (list, tuple)) or len(value) != 3:
            return "be three numbers (z, y, x)"
        for v in value:
            wrong = self.item.check(v)
            if wrong:
                return f"hold three numbers that each {wrong}"
        return None


@dataclass(frozen=True)
class Box(Field):
    """A box size in voxels: one whole number ≥ 1 for a cube, or three (z, y, x)."""

    def check(self, value):
        item = Whole(1)
        values = value if isinstance(value, (list, tuple)) else [value]
        if len(values) not in (1, 3) or any(item.check(v) for v in values):
            return "be a box size: one whole number ≥ 1 or three (z, y, x)"
        return None


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_params(operation: str, params, schema: dict) -> None:
    """Raise ``ValueError`` naming the first parameter of ``params`` that ``schema`` refuses."""
    if not isinstance(params, dict):
        raise ValueError(f"{operation} recipe: params must be a JSON object")
    unknown = sorted(set(params) - set(schema))
    if unknown:
        raise ValueError(f"{operation} recipe: unknown parameter {unknown[0]!r} (known: {', '.join(sorted(schema))})")
    for name, field in schema.items():
        if name not in params:
            if not field.optional:
                raise ValueError(f"{operation} recipe: parameter {name!r} is missing")
            continue
        wrong = field.problem(params[name])
        if wrong:
            raise ValueError(f"{operation} recipe: params.{name} must {wrong.removeprefix('must ')}, got {_shown(params[name])}")

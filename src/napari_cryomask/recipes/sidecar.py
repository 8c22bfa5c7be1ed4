"""Recipe sidecars: a mask file's recipe, kept beside it as ``<mask file>.json``.

A mask file (MRC or EM alike) carries its recipe in a sidecar named after it with ``.json``
appended: ``mask.mrc`` -> ``mask.mrc.json``, ``mask.em`` -> ``mask.em.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .document import data_digest, plain, validate_recipe


def sidecar_path(mask_path) -> Path:
    """Where a mask file's recipe is kept: ``<mask file>.json``."""
    return Path(str(mask_path) + ".json")


def save_recipe(mask_path, recipe: dict, mask=None) -> Path:
    """Write ``recipe`` beside ``mask_path`` atomically; returns the sidecar's path.

    With ``mask`` (the data written to ``mask_path``) the sidecar also records its digest as
    ``data_sha256``, so a sidecar left beside a mask that was later replaced can be told.
    """
    if mask is not None:
        recipe = dict(recipe, data_sha256=data_digest(mask))
    path = sidecar_path(mask_path)
    text = json.dumps(plain(validate_recipe(recipe)), indent=2, ensure_ascii=False) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def drop_recipe(mask_path) -> None:
    """Remove the recipe sidecar of ``mask_path``, if there is one; other JSON files stay."""
    path = sidecar_path(mask_path)
    try:
        load_recipe(path)
    except (OSError, ValueError):
        return
    path.unlink()


def load_recipe(path) -> dict:
    """Read a recipe from a ``.json`` file or from the sidecar of a mask file."""
    path = Path(path)
    source = path if path.suffix.lower() == ".json" else sidecar_path(path)
    if not source.exists():
        raise FileNotFoundError(f"no recipe for {path}: {source} does not exist")
    try:
        recipe = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{source} is not valid JSON: {err}") from None
    try:
        return validate_recipe(recipe)
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None

"""Recipe sidecars: a mask file's recipe, kept beside it as ``<mask file>.json``.

A mask file (MRC or EM alike) carries its recipe in a sidecar named after it with ``.json``
appended: ``mask.mrc`` -> ``mask.mrc.json``, ``mask.em`` -> ``mask.em.json``.

Writing: :func:`write_with_recipe` writes a map and its sidecar so that they belong together:
both are written to temporary files first, then moved into place, the map first. A failure
before the moves leaves both old files as they were; a crash between the two moves leaves a
sidecar whose ``data_sha256`` no longer matches the map, which :func:`current_recipe` detects.
Without ``overwrite`` both are created exclusively: an existing map *or* sidecar is refused.

Reading: :func:`load_recipe` reads at most :data:`MAX_SIDECAR_BYTES` and validates the recipe
(:func:`~napari_cryomask.recipes.document.validate_recipe`); :func:`current_recipe` is what
readers of masks use: a sidecar that is broken or stale is ignored, with the reason, and never
stops the map from being used.

Examples
--------
>>> import tempfile, numpy as np
>>> from napari_cryomask.recipes import make_recipe
>>> target = Path(tempfile.mkdtemp()) / "m.mrc"
>>> recipe = make_recipe("shape", {"shape": "sphere", "radius": 2}, box_shape=8)
>>> write_with_recipe(target, np.zeros((8, 8, 8)), recipe).name
'm.mrc.json'
>>> current_recipe(target, np.zeros((8, 8, 8)))[0]["operation"]
'shape'
>>> current_recipe(target, np.ones((8, 8, 8)))[1]
'it was saved with a different mask (data_sha256 differs): the file changed since'
"""

from __future__ import annotations

import contextlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..io import PendingFile, volume_encoder
from .document import data_digest, plain, validate_recipe

MAX_SIDECAR_BYTES = 64 << 20
# Operations whose (tomogram-sized) masks are written slab by slab in their own dtype, as
# io.particles_write does, so that a replay writes the same bytes.
SLAB_OPERATIONS = frozenset({"particles"})


def sidecar_path(mask_path) -> Path:
    """Where a mask file's recipe is kept: ``<mask file>.json``."""
    return Path(str(mask_path) + ".json")


def recipe_text(recipe: dict, mask=None) -> str:
    """The sidecar's JSON text of a validated ``recipe``; with ``mask`` its ``data_sha256`` too."""
    if mask is not None:
        recipe = dict(recipe, data_sha256=data_digest(mask))
    return json.dumps(plain(validate_recipe(plain(recipe))), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def save_recipe(mask_path, recipe: dict, mask=None, *, overwrite: bool = False) -> Path:
    """Write ``recipe`` beside ``mask_path`` atomically; returns the sidecar's path.

    With ``mask`` (the data written to ``mask_path``) the sidecar also records its digest as
    ``data_sha256``, so a sidecar left beside a mask that was later replaced can be told. An
    existing sidecar is replaced only with ``overwrite``; to write a mask and its recipe
    together use :func:`write_with_recipe`.

    Raises
    ------
    FileExistsError
        The sidecar exists and ``overwrite`` is False.
    ValueError
        The recipe is not valid (nothing is written).
    """
    path = sidecar_path(mask_path)
    text = recipe_text(recipe, mask).encode("utf-8")
    with PendingFile(path, overwrite=overwrite) as pending:
        pending.stream.write(text)
        pending.commit()
    return path


def write_with_recipe(path, data, recipe=None, *, voxel_size=None, origin=None, overwrite: bool = False) -> Path | None:
    """Write ``data`` to the map ``path`` (MRC or EM by suffix) and ``recipe`` to its sidecar.

    The two files belong together (see the module's description). Without a recipe, an old
    recipe sidecar at ``path`` is removed after the map is written, since it described the
    map replaced; another JSON file there is left alone.

    Parameters
    ----------
    path : str or os.PathLike
        Map file to write.
    data : array_like or Placement
        ``[z, y, x]`` data, as for :func:`napari_cryomask.io.write_volume`; or, for a
        tomogram-sized mask (a :class:`~napari_cryomask.core.particles.Placement`, or the mask
        of an operation in :data:`SLAB_OPERATIONS`), what
        :func:`~napari_cryomask.io.particles_write.write_mask_file` writes, slab by slab.
    recipe : dict, optional
        Its recipe; saved with the data's ``data_sha256``.
    voxel_size, origin : optional
        As for :func:`~napari_cryomask.io.write_volume`.
    overwrite : bool, optional
        Replace an existing map and sidecar. Default False: either existing is refused.

    Returns
    -------
    Path or None
        The sidecar written, or None without a recipe.

    Raises
    ------
    FileExistsError
        Without ``overwrite``: the map or its sidecar exists (or was created meanwhile).
    ValueError
        Bad data, voxel size, origin or recipe; nothing is written.
    OSError
        The write failed; the message names the file.
    """
    sidecar = sidecar_path(path)
    if not overwrite and os.path.lexists(sidecar):
        raise FileExistsError(f"{sidecar}: file exists; pass overwrite=True to replace it (it is the recipe of {path})")
    if not isinstance(data, np.ndarray) or (recipe or {}).get("operation") in SLAB_OPERATIONS:
        from ..io.particles_write import mask_file_encoder

        encode_file = mask_file_encoder(path, data, voxel_size=voxel_size, origin=origin)
        text = None if recipe is None else recipe_text(recipe).encode("utf-8")  # checked before writing
    else:
        encode = volume_encoder(path, data, voxel_size, origin)
        text = None if recipe is None else recipe_text(recipe).encode("utf-8")  # checked before writing
        encode_file = None
    with contextlib.ExitStack() as stack:
        mask_file = stack.enter_context(PendingFile(path, overwrite=overwrite))
        recipe_file = None if text is None else stack.enter_context(PendingFile(sidecar, overwrite=overwrite))
        if encode_file is None and text is None:
            encode(mask_file.stream)
        elif encode_file is None:
            # The digest is computed while the file is written (hashlib lets go of the GIL).
            with ThreadPoolExecutor(1) as hasher:
                digest = hasher.submit(data_digest, data)
                encode(mask_file.stream)
                text = recipe_text(dict(recipe, data_sha256=digest.result())).encode("utf-8")
        else:
            digest = encode_file(mask_file.temp)
            if text is not None:
                text = recipe_text(dict(recipe, data_sha256=digest)).encode("utf-8")
        if recipe_file is not None:
            recipe_file.stream.write(text)
        mask_file.commit()
        if recipe_file is None:
            drop_recipe(path)
            return None
        try:
            recipe_file.commit()
        except BaseException:
            if not overwrite:
                mask_file.retract()  # a new mask without its recipe (or beside another writer's) is not left
            raise
        return sidecar


def drop_recipe(mask_path) -> None:
    """Remove the recipe sidecar of ``mask_path``, if there is one; other JSON files stay."""
    path = sidecar_path(mask_path)
    try:
        load_recipe(path)
    except (OSError, ValueError):
        return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def load_recipe(path) -> dict:
    """Read a recipe from a ``.json`` file or from the sidecar of a mask file.

    Raises
    ------
    FileNotFoundError
        There is no such file.
    ValueError
        The file is larger than :data:`MAX_SIDECAR_BYTES`, not UTF-8 JSON, nested too deeply,
        or not a valid recipe; the message names the file.
    """
    path = Path(path)
    source = path if path.suffix.lower() == ".json" else sidecar_path(path)
    if not source.exists():
        raise FileNotFoundError(f"no recipe for {path}: {source} does not exist")
    if not source.is_file():
        raise ValueError(f"{source} is not a file")
    with open(source, "rb") as stream:
        raw = stream.read(MAX_SIDECAR_BYTES + 1)
    if len(raw) > MAX_SIDECAR_BYTES:
        raise ValueError(f"{source} is larger than {MAX_SIDECAR_BYTES >> 20} MiB: not a recipe (recipes are a few kB)")
    try:
        recipe = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ValueError(f"{source} is not UTF-8 text: {err}") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{source} is not valid JSON: {err}") from None
    except (RecursionError, ValueError) as err:
        raise ValueError(f"{source} is not a recipe: {'its JSON nests too deeply' if isinstance(err, RecursionError) else err}") from None
    try:
        return validate_recipe(recipe)
    except RecursionError:
        raise ValueError(f"{source}: the recipe nests too deeply") from None
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None


def current_recipe(mask_path, data=None) -> tuple[dict | None, str | None]:
    """The recipe sidecar of a mask file, if it is valid and (given ``data``) still describes it.

    Returns
    -------
    (recipe, None)
        The sidecar is a valid recipe, and its ``data_sha256`` (when it has one) matches ``data``.
    (None, reason)
        There is a sidecar, but it is ignored; ``reason`` says why, for a warning.
    (None, None)
        There is no sidecar.
    """
    sidecar = sidecar_path(mask_path)
    if not os.path.lexists(sidecar):
        return None, None
    try:
        recipe = load_recipe(mask_path)
    except (OSError, ValueError) as err:
        return None, " ".join(str(err).split())
    recorded = recipe.get("data_sha256")
    if data is not None and recorded and recorded != data_digest(data):
        return None, "it was saved with a different mask (data_sha256 differs): the file changed since"
    return recipe, None

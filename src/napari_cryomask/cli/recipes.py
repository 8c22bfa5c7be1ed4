"""``cryomask recipe apply`` and ``cryomask recipe show``. Qt-free."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from ..io import read_volume
from ..recipes import apply_recipe, data_digest, load_recipe, recipe_with_like
from .info import describe, facts_text
from .options import add_debug, mask_file
from .output import check_output, write_mask
from .tools import write_map


def add_commands(sub):
    recipe = sub.add_parser("recipe", help="replay or show the recipe of a mask", description=(
        "Every mask cryomask writes carries its recipe in a sidecar file, <mask file>.json "
        "(mask.mrc.json, mask.em.json). Replaying it gives the same mask, byte for byte."))
    actions = recipe.add_subparsers(title="recipe commands", dest="recipe_command", metavar="{apply,show}", required=True)
    apply = actions.add_parser("apply", help="make the mask a recipe describes", description=(
        "Replay a recipe (a .json file, or a mask file whose sidecar holds it). Without -o the "
        "mask is described, not written."))
    apply.set_defaults(run=run_recipe_apply)
    apply.add_argument("recipe", help="recipe .json file, or a mask file with a sidecar recipe")
    apply.add_argument(
        "--like", metavar="MAP",
        help="use this map's box, pixel size and origin (and its density for tight masks); lengths stay in voxels",
    )
    apply.add_argument("-o", "--output", type=mask_file, metavar="PATH", help="mask file to write (.mrc, .map or .em)")
    apply.add_argument("--force", action="store_true", help="overwrite PATH (and PATH.json) if they exist")
    add_debug(apply)
    show = actions.add_parser("show", help="print a mask's recipe as JSON")
    show.set_defaults(run=run_recipe_show)
    show.add_argument("mask", help="mask file (its sidecar <mask>.json is read) or a recipe .json file")
    add_debug(show)


def run_recipe_apply(args):
    """``cryomask recipe apply``: replay a recipe into a file, or describe the mask without ``-o``."""
    recipe = load_recipe(args.recipe)
    if args.like:
        recipe = recipe_with_like(recipe, read_volume(args.like), args.like)
    if args.output:
        check_output(args.output, args.force)
    mask, voxel_size = apply_recipe(recipe)
    recorded = recipe.get("data_sha256")
    if recorded and recorded != data_digest(mask):
        warnings.warn("the replayed mask differs from the one the recipe was saved with", stacklevel=2)
    origin = recipe.get("origin")
    if args.output:
        if recipe["operation"] == "apply":  # a masked map, not a mask
            write_map(args, recipe, mask, voxel_size, origin)
        else:
            write_mask(args, recipe, mask, voxel_size, origin)
        return
    sys.stdout.write(facts_text(describe(mask, voxel_size, origin)) + "\n")


def run_recipe_show(args):
    """``cryomask recipe show MASK``: print the recipe; warn when the mask no longer matches it."""
    recipe = load_recipe(args.mask)
    sys.stdout.write(json.dumps(recipe, indent=2, ensure_ascii=False) + "\n")
    recorded = recipe.get("data_sha256")
    if recorded and Path(args.mask).suffix.lower() != ".json":
        if data_digest(read_volume(args.mask).data) != recorded:
            warnings.warn(f"{args.mask} has changed since this recipe was saved: replaying it gives the old mask", stacklevel=2)

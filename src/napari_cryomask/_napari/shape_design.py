"""What the Shape mask widget designs, without Qt: shape, lengths in Å, placement, edge.

The widget reads its controls into a :class:`ShapeDesign`; the design turns them into
:func:`~napari_cryomask.core.shapes.shape_mask` keywords in voxels and into the recipe kept with
the mask layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.geometry import as_triple, box_shape_of
from ..core.shapes import shape_mask
from ..recipes import make_recipe
from .lengths import to_voxels, triple_to_voxels

# Menu entry -> (core shape, the lengths it uses). Shells are spheres or ellipsoids with a thickness.
SHAPE_CHOICES = {
    "sphere": ("sphere", ("radius",)),
    "ellipsoid": ("ellipsoid", ("radii",)),
    "cylinder": ("cylinder", ("radius", "height")),
    "tube": ("tube", ("radius", "inner_radius", "height")),
    "spherical shell": ("sphere", ("radius", "thickness")),
    "ellipsoidal shell": ("ellipsoid", ("radii", "thickness")),
    "cuboid": ("cuboid", ("size", "rounding")),
    "cone": ("cone", ("radius", "height")),
}
# Lengths given per axis (z, y, x); every other length is one number.
PER_AXIS_LENGTHS = ("radii", "size")
LENGTH_NAMES = ("radius", "radii", "height", "inner_radius", "size", "rounding", "thickness")
EDGES = ("none", "cosine", "gaussian")


@dataclass(frozen=True)
class ShapeDesign:
    """A shape mask as the user describes it.

    Parameters
    ----------
    box_shape : (z, y, x) ints
    voxel_size : (z, y, x) floats, Å
    shape : str
        A key of :data:`SHAPE_CHOICES`.
    lengths_A : dict
        Lengths in Å by name (:data:`LENGTH_NAMES`); only those the shape uses are read.
        ``radii`` and ``size`` are (z, y, x) and convert with each axis's voxel size; the others
        convert with the mean voxel size.
    center : (z, y, x) floats, voxels
    angles : (phi, theta, psi) degrees, ZXZ
    edge : {"none", "cosine", "gaussian"}
    edge_width_A : float
        Width of the soft edge (Gaussian: sigma) in Å.

    Examples
    --------
    >>> d = ShapeDesign((32, 32, 32), (2.0, 2.0, 2.0), "spherical shell",
    ...                 {"radius": 20.0, "thickness": 4.0}, center=(16, 16, 16))
    >>> p = d.params()
    >>> p["shape"], p["radius"], p["thickness"]
    ('sphere', 10.0, 2.0)
    """

    box_shape: tuple
    voxel_size: tuple
    shape: str
    lengths_A: dict
    center: tuple
    angles: tuple = (0.0, 0.0, 0.0)
    edge: str = "none"
    edge_width_A: float = 0.0
    uses: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.shape not in SHAPE_CHOICES:
            raise ValueError(f"shape must be one of {', '.join(SHAPE_CHOICES)}, got {self.shape!r}")
        if self.edge not in EDGES:
            raise ValueError(f"edge must be one of {', '.join(EDGES)}, got {self.edge!r}")
        object.__setattr__(self, "box_shape", box_shape_of(self.box_shape, "box_shape"))
        object.__setattr__(self, "voxel_size", as_triple(self.voxel_size, "voxel_size"))
        object.__setattr__(self, "uses", SHAPE_CHOICES[self.shape][1])
        missing = [name for name in self.uses if name not in self.lengths_A]
        if missing:
            raise ValueError(f"a {self.shape} needs {', '.join(missing)} (in Å)")

    def lengths_px(self) -> dict:
        """The lengths this shape uses, in voxels."""
        return {
            name: (triple_to_voxels if name in PER_AXIS_LENGTHS else to_voxels)(self.lengths_A[name], self.voxel_size)
            for name in self.uses
        }

    def params(self) -> dict:
        """:func:`~napari_cryomask.core.shapes.shape_mask` keywords, lengths in voxels."""
        return {
            "shape": SHAPE_CHOICES[self.shape][0],
            **self.lengths_px(),
            "center": as_triple(self.center, "center"),
            "angles": as_triple(self.angles, "angles"),
            "edge": self.edge,
            "edge_width_px": 0.0 if self.edge == "none" else to_voxels(self.edge_width_A, self.voxel_size),
        }

    def recipe(self) -> dict:
        """The recipe that replays this mask with ``apply_recipe``."""
        return make_recipe("shape", self.params(), box_shape=self.box_shape, voxel_size=self.voxel_size)

    def mask(self, region=None):
        """The mask, or only the block ``region`` (three slices) of it."""
        return shape_mask(self.box_shape, **self.params(), region=region)

    def check(self) -> None:
        """Raise ValueError naming the first bad parameter; building an empty block checks them all."""
        self.mask(region=(slice(0, 0),) * 3)

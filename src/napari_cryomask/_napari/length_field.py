"""A length entered in Å and shown beside it in voxels of the current map."""

from __future__ import annotations

from magicgui.widgets import Container, FloatSpinBox, Label

from .lengths import mean_voxel_size, to_voxels, voxel_note


class LengthField(Container):
    """Spin box in Å with a label giving the same length in voxels (mean voxel size of the map).

    Parameters
    ----------
    label : str
        Text shown in front of the field.
    value : float
        Initial length in Å.
    maximum : float
        Largest length accepted, Å.

    Examples
    --------
    >>> field = LengthField("extend", value=8.0)  # doctest: +SKIP
    >>> field.voxel_size = (4.0, 4.0, 4.0); field.voxels, field.in_voxels.value  # doctest: +SKIP
    (2.0, '= 2 vox')
    """

    def __init__(self, label: str, value: float = 0.0, maximum: float = 1000.0):
        self.spin = FloatSpinBox(value=value, min=0.0, max=maximum, step=0.5, tooltip=f"{label} in Å")
        self.in_voxels = Label()
        super().__init__(layout="horizontal", labels=False, label=f"{label} (Å)", widgets=[self.spin, self.in_voxels])
        self.margins = (0, 0, 0, 0)
        self._voxel_size = (1.0, 1.0, 1.0)
        self.spin.changed.connect(self._show_voxels)
        self._show_voxels()

    @property
    def angstrom(self) -> float:
        """The length in Å."""
        return float(self.spin.value)

    @angstrom.setter
    def angstrom(self, value: float) -> None:
        self.spin.value = value

    @property
    def voxel_size(self) -> tuple:
        """Voxel size (z, y, x) in Å of the map the length is for."""
        return self._voxel_size

    @voxel_size.setter
    def voxel_size(self, value) -> None:
        mean_voxel_size(value)  # raises a ValueError naming voxel_size if it is not positive
        self._voxel_size = value
        self._show_voxels()

    @property
    def voxels(self) -> float:
        """The length in voxels."""
        return to_voxels(self.angstrom, self._voxel_size)

    def _show_voxels(self, *_) -> None:
        self.in_voxels.value = voxel_note(self.voxels)

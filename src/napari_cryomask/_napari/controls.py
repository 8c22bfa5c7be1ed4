"""What a widget's controls are, without Qt: name, label, unit, default, range, tooltip.

A :class:`~napari_cryomask._napari.design_model.DesignModel` declares its controls with these
classes; the Qt widget builds one editor per control from them, and the model checks the values
and words its messages with them (``inner radius (60 Å)``: the control's label, the value rounded
as typed, the unit shown beside the control).

Lengths are entered in Å. A :class:`Length` (one number, no axis) is in voxels instead when the
voxels are not cubic (the rule of :mod:`napari_cryomask.core.units`, as on the command line);
:class:`AxisLengths` are per axis (z, y, x) and always in Å.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

AXES = ("z", "y", "x")


def number_text(value) -> str:
    """A number as a person reads it: four significant digits (all of a large number), no trailing zeros.

    >>> number_text(33.68421052631579), number_text(30.0), number_text(0.00012345), number_text(99999.0)
    ('33.68', '30', '0.0001234', '99999')
    """
    value = float(value)
    if math.isfinite(value) and abs(value) >= 1e4:
        return f"{value:.0f}"
    return f"{value:.4g}"


def triple_text(values) -> str:
    """``"10, 20, 30"`` for (z, y, x) values."""
    return ", ".join(number_text(v) for v in values)


class Invalid(ValueError):
    """Values that do not make a design; ``names`` are the controls at fault.

    The message is shown to the person as it is, so it uses the controls' labels and units
    (:meth:`Control.text`) rather than parameter names.

    Examples
    --------
    >>> error = Invalid("inner radius (60 Å) must be smaller than the radius (40 Å)", "inner_radius")
    >>> error.names, str(error)
    (('inner_radius',), 'inner radius (60 Å) must be smaller than the radius (40 Å)')
    """

    def __init__(self, message: str, *names: str):
        super().__init__(message)
        self.names = names


@dataclass(frozen=True, kw_only=True)
class Control:
    """One control of a widget.

    Attributes
    ----------
    name : str
        Key of its value in :attr:`DesignModel.values`.
    label : str
        Shown beside the control and used in messages.
    default : object
        Value before anything else sets it.
    tooltip : str
        Shown when the mouse rests on the control; every control has one.
    design : bool
        False for controls that do not change the design (the k of "mean + k·σ", a display
        style): setting them computes nothing.
    """

    name: str
    label: str
    default: object = None
    tooltip: str = ""
    design: bool = True

    def __post_init__(self):
        if not self.tooltip:
            raise ValueError(f"control {self.name!r} needs a tooltip")

    def unit(self, model=None) -> str:
        """Unit shown beside the control ("" when none)."""
        return ""

    def heading(self, model=None) -> str:
        """Label with its unit: ``"radius (Å)"``."""
        unit = self.unit(model)
        return f"{self.label} ({unit})" if unit else self.label

    def coerce(self, value):
        """The value in the type the model keeps (a float, a tuple of three, ...)."""
        return value

    def show(self, value, model=None) -> str:
        """The value as shown in messages, with its unit: ``"60 Å"``."""
        unit = self.unit(model)
        text = number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        return f"{text} {unit}" if unit else text

    def text(self, value, model=None) -> str:
        """Label and value for messages: ``"inner radius (60 Å)"``."""
        return f"{self.label} ({self.show(value, model)})"

    def problem(self, value, model=None) -> str | None:
        """What is wrong with ``value`` on its own (a whole message), or None."""
        return None


@dataclass(frozen=True, kw_only=True)
class Number(Control):
    """A number in a range; ``minimum``/``maximum`` may be None (no bound)."""

    default: float = 0.0
    minimum: float | None = 0.0
    maximum: float | None = 1e6
    step: float = 1.0
    decimals: int = 2
    units: str = ""

    def unit(self, model=None) -> str:
        return self.units

    def coerce(self, value):
        return float(value)

    def limits(self, model=None) -> tuple[float | None, float | None]:
        """The range allowed now; models with ranges that follow a map override :meth:`DesignModel.limits`."""
        if model is not None:
            return model.limits(self)
        return self.minimum, self.maximum

    def problem(self, value, model=None):
        if not math.isfinite(value):
            return f"{self.label} must be a finite number, got {value}"
        low, high = self.limits(model)
        if low is not None and value < low:
            return f"{self.text(value, model)} must be at least {self.show(low, model)}"
        if high is not None and value > high:
            return f"{self.text(value, model)} must be at most {self.show(high, model)}"
        return None


@dataclass(frozen=True, kw_only=True)
class Whole(Number):
    """A whole number in a range."""

    default: int = 0
    decimals: int = 0

    def coerce(self, value):
        if isinstance(value, float) and value != int(value):
            raise Invalid(f"{self.label} must be a whole number, got {number_text(value)}", self.name)
        return int(value)


@dataclass(frozen=True, kw_only=True)
class Length(Number):
    """One length without an axis, in Å (in voxels when the model's voxels are not cubic)."""

    minimum: float | None = 0.0
    maximum: float | None = 100_000.0
    step: float = 1.0

    def unit(self, model=None) -> str:
        return "vox" if model is not None and model.lengths_in_voxels() else "Å"


@dataclass(frozen=True, kw_only=True)
class Angle(Number):
    """An Euler angle in degrees (shown as a slider with a box to type in)."""

    minimum: float | None = -180.0
    maximum: float | None = 180.0
    units: str = "°"
    decimals: int = 1


@dataclass(frozen=True, kw_only=True)
class Level(Number):
    """A value on a map's own scale (a threshold), shown as a slider over the map's range."""

    minimum: float | None = None
    maximum: float | None = None
    decimals: int = 4


@dataclass(frozen=True, kw_only=True)
class Triple(Control):
    """Three numbers (z, y, x) in one row."""

    default: tuple = (0.0, 0.0, 0.0)
    minimum: float | None = None
    maximum: float | None = None
    step: float = 1.0
    decimals: int = 2
    units: str = ""
    whole: bool = False

    def unit(self, model=None) -> str:
        return self.units

    def coerce(self, value):
        values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * 3
        if len(values) != 3:
            raise Invalid(f"{self.label} needs three numbers (z, y, x), got {len(values)}", self.name)
        return tuple(int(v) for v in values) if self.whole else tuple(float(v) for v in values)

    def show(self, value, model=None) -> str:
        unit = self.unit(model)
        return f"{triple_text(value)} {unit}" if unit else triple_text(value)

    def problem(self, value, model=None):
        for axis, v in zip(AXES, value):
            if not math.isfinite(v):
                return f"{self.label} ({axis}) must be a finite number, got {v}"
            if self.minimum is not None and v < self.minimum:
                return f"{self.text(value, model)} must be at least {number_text(self.minimum)} along {axis}"
            if self.maximum is not None and v > self.maximum:
                return f"{self.text(value, model)} must be at most {number_text(self.maximum)} along {axis}"
        return None


@dataclass(frozen=True, kw_only=True)
class AxisLengths(Triple):
    """Lengths along z, y and x in Å, each converted with its own axis's voxel size."""

    default: tuple = (20.0, 20.0, 20.0)
    minimum: float | None = 0.1
    maximum: float | None = 100_000.0
    units: str = "Å"


@dataclass(frozen=True, kw_only=True)
class Choice(Control):
    """One of ``options`` (strings)."""

    options: tuple = ()
    default: str = ""

    def __post_init__(self):
        super().__post_init__()
        if self.default not in self.options:
            raise ValueError(f"control {self.name!r}: default {self.default!r} is not one of its options")

    def problem(self, value, model=None):
        if value not in self.options:
            return f"{self.label} must be one of {', '.join(self.options)}, got {value!r}"
        return None


@dataclass(frozen=True, kw_only=True)
class Flag(Control):
    """On or off."""

    default: bool = False

    def coerce(self, value):
        return bool(value)

    def show(self, value, model=None) -> str:
        return "on" if value else "off"


@dataclass(frozen=True, kw_only=True)
class Text(Control):
    """A line of text."""

    default: str = ""

    def coerce(self, value):
        return "" if value is None else str(value)

    def show(self, value, model=None) -> str:
        return repr(value)


@dataclass(frozen=True, kw_only=True)
class FilePath(Text):
    """A file to read (a particle list, a model): typed, or picked with a file dialog.

    ``filter`` is the dialog's name filter, e.g. ``"Particle lists (*.star *.em *.csv)"``.
    The model checks that the file exists when it is needed (in :meth:`DesignModel.check`).
    """

    filter: str = "All files (*)"


@dataclass(frozen=True, kw_only=True)
class LayerInput(Control):
    """A layer of the viewer the design reads (a map, a mask); None when nothing is chosen.

    The model lists what may be chosen (:meth:`DesignModel.choices`); ``kind`` says which layers
    those are, ``none_text`` what the empty choice is called.
    """

    kind: str = "map"
    none_text: str = "(none)"

    def show(self, value, model=None) -> str:
        return self.none_text if value is None else repr(value.name)


@dataclass(frozen=True, kw_only=True)
class Action:
    """A button: ``model.act(name)`` runs the model's ``action_<name>`` method.

    ``after`` names the control the button row follows (the end of the form when None); actions
    with the same ``after`` share a row.
    """

    name: str
    label: str
    tooltip: str
    after: str | None = None

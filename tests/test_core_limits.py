"""The size guard: outputs that cannot fit are refused before allocating, naming the parameter."""

import subprocess
import sys

import pytest

from napari_cryomask.core import limits
from napari_cryomask.core.limits import TooLarge, available_bytes, require_fit


def test_refusal_names_parameter_size_and_room(monkeypatch):
    monkeypatch.setattr(limits, "available_bytes", lambda: 2 << 30)
    with pytest.raises(TooLarge, match=r"^mask_size: 1024 x 1024 x 1024 float32 voxels need 4.0 GiB, but only 2.0 GiB"):
        require_fit("mask_size", (1024, 1024, 1024))
    assert require_fit("mask_size", (512, 512, 512)) == 512**3 * 4


def test_too_large_is_a_value_error_and_a_memory_error():
    with pytest.raises(ValueError):
        require_fit("box", (100000,) * 3)
    with pytest.raises(MemoryError):
        require_fit("box", (100000,) * 3)


def test_copies_and_dtype_count(monkeypatch):
    monkeypatch.setattr(limits, "available_bytes", lambda: 100)
    assert require_fit("n", (10,), "uint8", copies=10) == 100
    with pytest.raises(TooLarge, match=r"\(3 arrays\)"):
        require_fit("n", (10,), "float32", copies=3)


def test_negative_sizes_are_refused():
    with pytest.raises(TooLarge, match="must not be negative"):
        require_fit("box", (4, -1, 4))


def test_unknown_room_refuses_only_the_unaddressable(monkeypatch):
    monkeypatch.setattr(limits, "available_bytes", lambda: None)
    assert require_fit("box", (4096,) * 3) == 4096**3 * 4
    with pytest.raises(TooLarge, match="cannot be addressed"):
        require_fit("box", (2**22,) * 3)


def test_address_space_limit_lowers_the_room():
    code = (
        "import resource; from napari_cryomask.core.limits import available_bytes;"
        "resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30)); print(available_bytes())"
    )
    if sys.platform != "linux":
        pytest.skip("RLIMIT_AS accounting is Linux's")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 0 < int(out.stdout) < 4 << 30
    assert available_bytes() > 0


def test_tight_masks_and_softening_check_their_working_memory(monkeypatch):
    import numpy as np

    from napari_cryomask.core.distance import soften
    from napari_cryomask.core.tight import TightMask

    density = np.zeros((64, 64, 64), np.float32)  # 1 MiB
    monkeypatch.setattr(limits, "available_bytes", lambda: 2 << 20)
    with pytest.raises(TooLarge, match=r"the map's tight mask: 64 x 64 x 64 float32 voxels need .* \(4 arrays\)"):
        TightMask(density)
    with pytest.raises(TooLarge, match=r"the softened mask: .* \(2.25 arrays\)"):
        soften(density, "cosine", 2)


def test_a_particle_mask_too_large_for_memory_is_refused_before_allocating():
    import numpy as np

    from napari_cryomask.core.particles import particle_mask

    with pytest.raises(TooLarge, match=r"box_shape: 100000 x 100000 x 100000 float32 voxels need 3725290.3 GiB"):
        particle_mask((100000,) * 3, np.array([[5.0, 5.0, 5.0]]), shape="sphere", radius=3)

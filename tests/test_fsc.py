"""The mask check's mathematics: FSC per physical shell, phase randomisation, the correction, the numbers."""

import contextlib
import io
import warnings

import numpy as np
import pytest
import scipy.fft

from napari_cryomask.core.fourier_shells import FourierShells
from napari_cryomask.core.fsc import MaskCheck, fsc
from napari_cryomask.core.fsc_crossings import crossing_resolution
from napari_cryomask.core.fsc_inputs import check_half_maps, check_mask, cubic_voxel_size
from napari_cryomask.core.mask_numbers import RELION_SPHERE_FRACTION, fsc_part, mask_numbers
from napari_cryomask.core.phase_randomise import random_phases
from napari_cryomask.core.sample import synthetic_average, synthetic_half_maps
from napari_cryomask.core.shapes import sphere
from napari_cryomask.core.softness import suggest_soft_edge
from napari_cryomask.core.tight import tight_mask


def known_spectrum_pair(shape, voxel_size, noise_std, f0, seed):
    """Half maps: one Gaussian signal with amplitude exp(-(f/f0)²) per physical frequency f, each with its own
    white noise. Per coefficient the signal power is V·A² and the noise power V·σ², so SNR(f) = A(f)² / σ²."""
    rng = np.random.default_rng(seed)
    fz, fy = np.fft.fftfreq(shape[0], voxel_size), np.fft.fftfreq(shape[1], voxel_size)
    fx = np.fft.rfftfreq(shape[2], voxel_size)
    f = np.sqrt(fz[:, None, None] ** 2 + fy[None, :, None] ** 2 + fx[None, None, :] ** 2)
    signal = scipy.fft.irfftn(scipy.fft.rfftn(rng.standard_normal(shape)) * np.exp(-((f / f0) ** 2)), s=shape)
    return signal + noise_std * rng.standard_normal(shape), signal + noise_std * rng.standard_normal(shape)


@pytest.mark.parametrize(("shape", "voxel_size"), [((64, 64, 64), 1.0), ((48, 64, 40), 2.0), ((33, 50, 41), 1.5)])
def test_fsc_matches_snr_over_one_plus_snr_within_the_shell_error(shape, voxel_size):
    f0, noise_std = 0.2 / voxel_size, 0.3
    half1, half2 = known_spectrum_pair(shape, voxel_size, noise_std, f0, seed=3)
    result = fsc(half1, half2, voxel_size)
    f = result.frequency_per_A
    snr = np.exp(-2 * (f / f0) ** 2) / noise_std**2
    expected = snr / (1 + snr)
    shells = FourierShells(shape)
    # independent coefficients per shell: half the whole transform's (Hermitian mates are one)
    independent = shells.sums(np.ones(shells.index.shape, np.float32)) / 2
    error = (1 - expected**2) / np.sqrt(independent)
    z = np.abs(result.unmasked - expected)[1:] / error[1:]
    assert z.max() < 4.5, (z.max(), int(z.argmax()) + 1)
    assert np.mean(z**2) < 2.0
    # the curve spans the range: high at low resolution, near zero at Nyquist
    assert result.unmasked[1] > 0.9 and abs(result.unmasked[-1]) < 0.1
    assert result.resolution_A["unmasked"] == pytest.approx(1 / f0 / np.sqrt(np.log(1 / (0.143 / 0.857 * noise_std**2)) / 2),
                                                            rel=0.08)


def test_shells_are_in_physical_frequency_for_non_cubic_boxes():
    shells = FourierShells((20, 40, 30))
    assert shells.edge == 40 and shells.n_shells == 21
    # index 5 along z (20 voxels) lies at the frequency of index 10 along y (40 voxels): shell 10
    assert shells.index[5, 0, 0] == shells.index[0, 10, 0] == 10
    assert shells.index[0, 0, 5] == round(5 * 40 / 30)
    assert np.allclose(shells.frequencies(2.0)[:3], [0, 1 / 80, 2 / 80])


def test_identical_halves_give_one():
    half, _, voxel_size = synthetic_half_maps(box=32)
    mask = sphere(32, 10, edge="cosine", edge_width_px=3)
    result = fsc(half, half.copy(), voxel_size, mask)
    assert np.allclose(result.unmasked, 1) and np.allclose(result.masked, 1) and np.allclose(result.corrected, 1)
    assert result.resolution_A == {"unmasked": None, "masked": None, "corrected": None}
    assert any("never falls below 0.8" in w for w in result.warnings)


def _cryocat_fsc():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from cryocat import fsc as cryocat_fsc
    return cryocat_fsc


def test_uncorrected_fsc_equals_cryocat_calculate_fsc_up_to_its_shell_edges():
    """cryoCAT's shell r holds radii [r - 1, r): its shell 0 is empty (NaN), its shell r is our "floor" shell
    r - 1, and its last shell, N/2, holds [N/2 - 1, N/2). Our default shells are centred on whole radii, so
    cryoCAT's curve sits half a shell from ours; with floor edges they agree to float32 rounding."""
    cryocat_fsc = _cryocat_fsc()
    half1, half2, voxel_size = synthetic_half_maps(box=32)
    mask = tight_mask(synthetic_average(32)[0], 0.3, extend_px=2, edge="cosine", edge_width_px=3)
    ours = fsc(half1, half2, voxel_size, mask, shell_edges="floor")
    with np.errstate(invalid="ignore"), contextlib.redirect_stdout(io.StringIO()):
        theirs_unmasked = np.array(cryocat_fsc.calculate_fsc(half1.astype(float), half2.astype(float)))
        theirs_masked = np.array(cryocat_fsc.calculate_fsc(half1 * mask.astype(float), half2 * mask.astype(float)))
    assert np.isnan(theirs_unmasked[0]) and theirs_unmasked.size == 17
    assert np.allclose(ours.unmasked[:16], theirs_unmasked[1:], atol=2e-6, rtol=0)
    assert np.allclose(ours.masked[:16], theirs_masked[1:], atol=2e-6, rtol=0)
    centred = fsc(half1, half2, voxel_size).unmasked
    assert not np.allclose(centred[:16], theirs_unmasked[1:], atol=1e-3)


def test_a_hard_tight_mask_on_pure_noise_inflates_the_masked_fsc_and_the_correction_removes_it():
    """Independent white noise on a constant background (the solvent level every map has): no signal at any
    resolution beyond the mean. Masking both with the same hard sphere imprints the sphere's sharp edge on
    both, which correlates them at every resolution; the phase-randomised pair keeps that imprint, so the
    corrected FSC stays near zero beyond the randomisation shell."""
    n, rng = 64, np.random.default_rng(7)
    half1 = rng.standard_normal((n, n, n), dtype=np.float32) + 3
    half2 = rng.standard_normal((n, n, n), dtype=np.float32) + 3
    result = fsc(half1, half2, 1.0, sphere(n, 16), repeats=2)
    shell = result.randomised_from_shell
    assert shell == 1  # the unmasked FSC of noise is low from shell 1 on
    beyond = slice(shell + 2, None)
    assert abs(np.mean(result.unmasked[beyond])) < 0.02
    assert np.mean(result.masked[beyond]) > 0.4
    assert abs(np.mean(result.corrected[beyond])) < 0.1
    assert np.median(np.abs(result.corrected[beyond])) < 0.1
    assert any("the mask itself correlates the half maps" in w for w in result.warnings)


def test_corrected_follows_relions_rule():
    half1, half2, voxel_size = synthetic_half_maps(box=48)
    result = fsc(half1, half2, voxel_size, sphere(48, 12, edge="cosine", edge_width_px=2), repeats=2, seed=5)
    r = result.randomised_from_shell
    assert r == int(np.flatnonzero(result.unmasked[1:] < 0.8)[0]) + 1
    assert np.array_equal(result.corrected[: r + 2], result.masked[: r + 2])
    t, n = result.masked[r + 2:], result.randomised[r + 2:]
    assert np.allclose(result.corrected[r + 2:], (t - n) / (1 - n))
    assert np.all(np.abs(result.randomised[r + 2:]) < np.abs(result.masked[r + 2:]) + 0.2)
    assert result.randomised_from_A == pytest.approx(48 * voxel_size[0] / r)


def test_randomise_from_a_given_resolution():
    half1, half2, voxel_size = synthetic_half_maps(box=32)  # 4 Å voxels, box 128 Å
    check = MaskCheck(half1, half2, voxel_size)
    assert check.randomise_shell(randomize_at_A=30) == 4  # int(128 / 30), as RELION
    mask = sphere(32, 10, edge="cosine", edge_width_px=3)
    result = check.run(mask, randomize_at_A=30)
    assert result.randomised_from_shell == 4 and result.randomised_from_A == pytest.approx(32.0)
    with pytest.raises(ValueError, match="beyond Nyquist"):
        check.run(mask, randomize_at_A=7)
    with pytest.raises(ValueError, match="coarser than the box"):
        check.run(mask, randomize_at_A=200)


def test_randomised_phases_are_uniform_keep_the_map_real_and_repeat_with_the_seed():
    for shape in [(16, 16, 16), (15, 12, 9), (10, 14, 12)]:
        rng = np.random.default_rng(0)
        spectrum = scipy.fft.rfftn(rng.standard_normal(shape))
        shells = FourierShells(shape)
        beyond = shells.index >= 3
        factors = random_phases(shape, beyond, np.random.default_rng(1))
        randomised = spectrum * factors
        real = scipy.fft.irfftn(randomised, s=shape)
        # Hermitian to rounding: transforming the real map back gives the randomised spectrum itself
        assert np.allclose(scipy.fft.rfftn(real), randomised, atol=1e-4 * np.abs(spectrum).max())
        assert np.allclose(np.abs(factors), 1, atol=1e-6)
        assert np.all(factors[~beyond] == 1)
        turned = np.angle(factors[beyond])
        assert abs(np.mean(np.cos(turned))) < 0.1 and abs(np.mean(np.sin(turned))) < 0.1
        assert np.histogram(turned, bins=8, range=(-np.pi, np.pi))[0].min() > 0.6 * beyond.sum() / 8
        again = random_phases(shape, beyond, np.random.default_rng(1))
        assert np.array_equal(factors, again)
        assert not np.array_equal(factors, random_phases(shape, beyond, np.random.default_rng(2)))


def test_repeats_and_seeds():
    half1, half2, voxel_size = synthetic_half_maps(box=32)
    check = MaskCheck(half1, half2, voxel_size)
    mask = sphere(32, 9)
    one = check.run(mask, seed=1)
    assert np.array_equal(one.randomised, check.run(mask, seed=1).randomised)
    assert np.array_equal(one.randomised, fsc(half1, half2, voxel_size, mask, seed=1).randomised)
    assert not np.array_equal(one.randomised, check.run(mask, seed=2).randomised)
    three = check.run(mask, seed=1, repeats=3)
    assert three.repeats == 3 and not np.array_equal(one.randomised, three.randomised)
    with pytest.raises(ValueError, match="repeats"):
        check.run(mask, repeats=0)


def test_crossings_are_interpolated_between_shells():
    f = np.array([0.0, 0.01, 0.02, 0.03, 0.04])
    curve = np.array([1.0, 0.9, 0.3, 0.1, 0.0])
    # 0.143 lies between 0.3 (at 0.02) and 0.1 (at 0.03): 0.02 + 0.785 × 0.01
    assert crossing_resolution(f, curve, 0.143) == pytest.approx(1 / 0.02785)
    assert crossing_resolution(f, curve, 0.5) == pytest.approx(1 / (0.01 + 0.4 / 0.6 * 0.01))
    assert crossing_resolution(f, np.ones(5), 0.143) is None


def test_wrong_shape_or_voxel_size_names_both_maps():
    with pytest.raises(ValueError, match=r"h2\.mrc has shape \(30, 32, 32\) but h1\.mrc has \(32, 32, 32\)"):
        check_half_maps((32, 32, 32), (30, 32, 32), 1.0, 1.0, ("h1.mrc", "h2.mrc"))
    with pytest.raises(ValueError, match=r"h2\.mrc has voxels of 1\.1, 1\.1, 1\.1 Å but h1\.mrc has 1, 1, 1 Å"):
        check_half_maps((32, 32, 32), (32, 32, 32), 1.0, 1.1, ("h1.mrc", "h2.mrc"))
    with pytest.raises(ValueError, match="cubic voxels"):
        cubic_voxel_size((1.0, 1.0, 1.2), "h1.mrc")
    with pytest.raises(ValueError, match="half map 2 has shape"):
        fsc(np.zeros((8, 8, 8)), np.zeros((8, 8, 9)), 1.0)
    with pytest.raises(ValueError, match="cubic voxels"):
        fsc(np.zeros((8, 8, 8)), np.zeros((8, 8, 8)), (1.0, 1.0, 2.0))


def test_mask_must_fit_and_warns_about_another_voxel_size():
    half1, half2, voxel_size = synthetic_half_maps(box=32)
    check = MaskCheck(half1, half2, voxel_size)
    with pytest.raises(ValueError, match=r"m\.mrc has shape \(32, 32, 30\) but the half maps \(half map 1\) have \(32, 32, 32\)"):
        check.run(np.ones((32, 32, 30)), mask_name="m.mrc")
    with pytest.raises(ValueError, match="values in \\[0, 1\\]"):
        check.run(half1, mask_name="m.mrc")
    result = check.run(sphere(32, 10, edge="cosine", edge_width_px=3), mask_name="m.mrc", mask_voxel_size=4.4)
    assert any(w.startswith("m.mrc has voxels of 4.4, 4.4, 4.4 Å but the half maps") for w in result.warnings)
    assert check_mask((4, 4, 4), None, (4, 4, 4), 1.0) == []


def test_mask_numbers_as_relion_reports_them():
    mask = np.zeros((20, 20, 20), np.float32)
    mask[5:15, 5:15, 5:15] = 1
    mask[4] = 0.4  # soft values at or below 0.5 are outside
    numbers = mask_numbers(mask, voxel_size=2.0)
    assert numbers.fraction == 1000 / 8000
    assert numbers.mass_kda == pytest.approx(1000 * 8 * 0.81 / 1000)
    assert numbers.particle_fraction == pytest.approx(RELION_SPHERE_FRACTION / 0.125)
    assert numbers.touches_edge
    assert np.allclose(fsc_part([1.0, 0.5, 0.0], 1.0), [1.0, 0.5, 0.0])


def test_warnings_say_what_is_wrong_and_what_to_do():
    half1, half2, voxel_size = synthetic_half_maps()
    density, _ = synthetic_average()
    check = MaskCheck(half1, half2, voxel_size)

    good = check.run(tight_mask(density, 0.3, extend_px=3, edge="cosine", edge_width_px=5))
    assert good.mask.density_outside < 0.05
    assert not any("cuts density" in w or "itself correlates" in w or "hurts" in w for w in good.warnings)

    small = check.run(sphere(96, 10))
    texts = " ".join(small.warnings)
    assert "the mask itself correlates the half maps" in texts and "soften its edge or extend it" in texts
    assert "lies outside the mask: the mask cuts density" in texts
    assert small.randomised_at_reported() > 0.1

    one_lobe = tight_mask(density, 0.3, extend_px=3, edge="cosine", edge_width_px=5) * (np.arange(96) < 48)[None, None, :]
    cut = check.run(one_lobe.astype(np.float32))
    assert cut.mask.density_outside > 0.2
    assert any("cuts density" in w for w in cut.warnings)

    edge = np.zeros((96, 96, 96), np.float32)
    edge[:, 20:76, 20:76] = 1
    assert any("touches the box edge" in w for w in check.run(edge).warnings)

    solvent = check.run(sphere(96, 10, center=(78, 78, 78), edge="cosine", edge_width_px=4))
    assert solvent.resolution_A["unmasked"] < (solvent.resolution_A["corrected"] or np.inf)
    assert any("the mask hurts the estimate" in w for w in solvent.warnings)


def test_soft_edge_suggestion_rule():
    edge = suggest_soft_edge(12.0, 2.0)
    assert (edge.softness_px, edge.extend_px, edge.edge_width_px) == (3.0, 9, 9)
    assert suggest_soft_edge(2.5, 2.0).softness_px == 1.0
    assert suggest_soft_edge(10.0, 4.0).edge_width_px == 4  # 3 × 1.25 = 3.75 rounds to 4
    assert suggest_soft_edge(5.0, 1.0).edge_width_px == 8  # 7.5 rounds up
    with pytest.raises(ValueError, match="resolution_A"):
        suggest_soft_edge(0, 1.0)


def test_json_has_the_documented_shape():
    half1, half2, voxel_size = synthetic_half_maps(box=32)
    with_mask = fsc(half1, half2, voxel_size, sphere(32, 10, edge="cosine", edge_width_px=3)).as_json()
    assert list(with_mask) == ["voxel_size_A", "randomised_from_A", "resolution_A", "shells", "warnings"]
    assert list(with_mask["resolution_A"]) == ["unmasked", "masked", "corrected"]
    assert list(with_mask["shells"][0]) == ["frequency_per_A", "resolution_A", "unmasked", "masked", "randomised", "corrected"]
    assert with_mask["shells"][0]["resolution_A"] is None and with_mask["shells"][1]["resolution_A"] == 128.0
    without = fsc(half1, half2, voxel_size).as_json()
    assert without["randomised_from_A"] is None
    assert without["shells"][3]["masked"] is None and without["resolution_A"]["corrected"] is None


def test_a_kept_mask_check_gives_what_a_fresh_one_gives():
    half1, half2, voxel_size = synthetic_half_maps(box=40)
    check = MaskCheck(half1, half2, voxel_size)
    check.run(sphere(40, 12, edge="cosine", edge_width_px=3))
    other = sphere(40, 9, edge="cosine", edge_width_px=5)
    kept, fresh = check.run(other, repeats=2, seed=3), fsc(half1, half2, voxel_size, other, repeats=2, seed=3)
    for name in ("unmasked", "masked", "randomised", "corrected"):
        assert np.array_equal(getattr(kept, name), getattr(fresh, name)), name
    assert kept.warnings == fresh.warnings and kept.mask == fresh.mask


def test_without_a_seed_each_check_draws_fresh_phases():
    half1, half2, voxel_size = synthetic_half_maps(box=32)
    check, mask = MaskCheck(half1, half2, voxel_size), sphere(32, 9)
    assert not np.array_equal(check.run(mask, seed=None).randomised, check.run(mask, seed=None).randomised)

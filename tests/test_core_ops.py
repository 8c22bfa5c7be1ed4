"""Boolean operations: exact arithmetic and algebraic properties (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from napari_cryomask.core import ops

SHAPE = (3, 4, 5)
soft = arrays(np.float32, SHAPE, elements=st.floats(0, 1, width=32))
hard = arrays(np.bool_, SHAPE)


@given(st.lists(soft, min_size=1, max_size=4))
def test_results_are_float32_in_unit_interval(masks):
    for op in ops.OPERATIONS.values():
        out = op(masks)
        assert out.dtype == np.float32 and out.shape == SHAPE
        assert np.all((out >= 0) & (out <= 1))


@given(hard, hard, hard)
def test_hard_masks_follow_set_algebra(a, b, c):
    def f(m):
        return m.astype(np.float32)

    assert np.array_equal(ops.union([a, b, c]), f(a | b | c))
    assert np.array_equal(ops.intersection([a, b, c]), f(a & b & c))
    assert np.array_equal(ops.subtraction([a, b, c]), f(a & ~b & ~c))
    assert np.array_equal(ops.difference([a, b]), f(a ^ b))


@given(soft, soft)
def test_union_and_intersection_are_commutative_subtraction_is_not_in_general(a, b):
    assert np.array_equal(ops.union([a, b]), ops.union([b, a]))
    assert np.array_equal(ops.intersection([a, b]), ops.intersection([b, a]))
    np.testing.assert_allclose(ops.subtraction([a, b]), np.clip(a - b, 0, 1), atol=1e-7)


@given(soft)
def test_identities(a):
    zero, one = np.zeros(SHAPE, np.float32), np.ones(SHAPE, np.float32)
    assert np.array_equal(ops.union([a, zero]), a)
    assert np.array_equal(ops.intersection([a, one]), a)
    assert np.array_equal(ops.subtraction([a, zero]), a)
    assert np.all(ops.subtraction([a, a]) == 0)


@settings(max_examples=30)
@given(st.lists(hard, min_size=2, max_size=4))
def test_bool_int_and_float_inputs_agree(masks):
    for op in ops.OPERATIONS.values():
        expected = op([m.astype(np.float32) for m in masks])
        assert np.array_equal(op(masks), expected)
        assert np.array_equal(op([m.astype(np.int32) for m in masks]), expected)


def test_different_shapes_name_both():
    with pytest.raises(ValueError, match=r"\(2, 2, 2\).*\(3, 3, 3\)"):
        ops.union([np.zeros((3, 3, 3)), np.zeros((2, 2, 2))])


def test_empty_list_and_bad_dtype():
    with pytest.raises(ValueError, match="empty"):
        ops.union([])
    with pytest.raises(ValueError, match="dtype"):
        ops.union([np.array(["a"])])


@pytest.mark.parametrize("dtypes", [
    [np.float32] * 3, [np.float64] * 3, [np.int16] * 3, [np.bool_] * 3,
    [np.float32, np.float64, np.uint8], [np.uint8, np.float32, np.float64], [np.float64, np.float32, np.float32],
])
def test_slabs_on_every_core_give_the_whole_array_arithmetic(dtypes):
    rng = np.random.default_rng(5)
    masks = [(rng.normal(size=(70, 90, 100)) * 0.8 + 0.3).astype(dtype) for dtype in dtypes]
    for m in masks:
        if m.dtype.kind == "f":
            m.flat[::7] = -0.0  # signs of zero survive as in whole-array arithmetic
    views = [m[:, ::-1, 1::2] for m in masks]

    def f32(a):
        return np.asarray(a, np.float32)

    for ms in (masks, views):
        total = np.zeros(ms[0].shape, np.float32)
        for m in ms:
            total += m
        product = np.ones(ms[0].shape, np.float32)
        for m in ms:
            product *= m
        rest = f32(ms[0]).copy()
        for m in ms[1:]:
            rest -= m
        u, i = np.clip(total, 0, 1), np.clip(product, 0, 1)
        assert ops.union(ms).tobytes() == u.tobytes()
        assert ops.intersection(ms).tobytes() == i.tobytes()
        assert ops.subtraction(ms).tobytes() == np.clip(rest, 0, 1).tobytes()
        assert ops.difference(ms).tobytes() == np.clip(u - i, 0, 1).tobytes()

"""Particle lists: each format's positions and orientations land where the format says, real files read, bad files named."""

import warnings

import numpy as np
import pandas as pd
import pytest
import starfile
from scipy.spatial.transform import Rotation

from napari_cryomask.core.particles import particle_mask
from napari_cryomask.core.shapes import shape_mask
from napari_cryomask.io.em import write_em
from napari_cryomask.io.particles import Particles, read_particles, tomogram_geometry
from napari_cryomask.io.particles_dynamo import DYNAMO_COLUMNS
from napari_cryomask.io.particles_motl import MOTL_ROWS

BOX = (40, 44, 48)
CENTRE = np.array([20.0, 22.0, 24.0])  # (z, y, x), 0-based


# ---- files the tests write, one particle each (positions given 0-based in (z, y, x))


def motl_file(path, particles, classes=None):
    """particles: list of ((z, y, x) 0-based, (phi, theta, psi))."""
    motl = np.zeros((1, len(particles), 20))
    for i, (zyx, (phi, theta, psi)) in enumerate(particles):
        motl[0, i, MOTL_ROWS.index("x"):MOTL_ROWS.index("z") + 1] = np.asarray(zyx)[::-1] + 1
        motl[0, i, [MOTL_ROWS.index(a) for a in ("phi", "theta", "psi")]] = phi, theta, psi
        motl[0, i, MOTL_ROWS.index("tomo_id")] = 1
        motl[0, i, MOTL_ROWS.index("class")] = 1 if classes is None else classes[i]
    write_em(path, motl)
    return path


def dynamo_file(path, particles):
    rows = []
    for zyx, (tdrot, tilt, narot) in particles:
        row = np.zeros(35)
        row[0], row[19], row[21] = 1, 1, 1
        row[6:9] = tdrot, tilt, narot
        row[23:26] = np.asarray(zyx)[::-1] + 1
        rows.append(" ".join(f"{v:g}" for v in row))
    path.write_text("\n".join(rows) + "\n")
    return path


def stopgap_file(path, particles):
    table = pd.DataFrame([
        {"motl_idx": i + 1, "tomo_num": 1, "object": 1, "subtomo_num": i + 1, "halfset": "A",
         "orig_x": zyx[2] + 1, "orig_y": zyx[1] + 1, "orig_z": zyx[0] + 1, "score": 0.0,
         "x_shift": 0.0, "y_shift": 0.0, "z_shift": 0.0, "phi": phi, "psi": psi, "the": theta, "class": 1}
        for i, (zyx, (phi, theta, psi)) in enumerate(particles)
    ])
    starfile.write({"stopgap_motivelist": table}, path, overwrite=True)
    return path


def relion_file(path, particles, pixel=2.0, subtomogram=None):
    """RELION 3.1: rlnCoordinate in pixels of ``pixel`` Å; particles: ((z, y, x) in those pixels, (rot, tilt, psi))."""
    optics = pd.DataFrame({"rlnOpticsGroup": [1], "rlnOpticsGroupName": ["opticsGroup1"], "rlnImagePixelSize": [pixel]})
    rows = []
    for i, (zyx, (rot, tilt, psi)) in enumerate(particles):
        row = {"rlnMicrographName": "tomo_1.mrc", "rlnCoordinateX": zyx[2], "rlnCoordinateY": zyx[1], "rlnCoordinateZ": zyx[0],
               "rlnAngleRot": rot, "rlnAngleTilt": tilt, "rlnAnglePsi": psi, "rlnOpticsGroup": 1,
               "rlnOriginXAngst": 0.0, "rlnOriginYAngst": 0.0, "rlnOriginZAngst": 0.0, "rlnClassNumber": 1}
        if subtomogram is not None:
            row.update(zip(("rlnTomoSubtomogramRot", "rlnTomoSubtomogramTilt", "rlnTomoSubtomogramPsi"), subtomogram[i]))
        rows.append(row)
    starfile.write({"optics": optics, "particles": pd.DataFrame(rows)}, path, overwrite=True)
    return path


def relion5_files(folder, particles, sizes=(480, 440, 400), pixel=1.25, binning=4.0, subtomogram=None, origins=None):
    """RELION 5: particles ((x, y, z) Å from the centre, (rot, tilt, psi)); sizes (x, y, z) unbinned pixels."""
    optics = pd.DataFrame({"rlnOpticsGroup": [1], "rlnOpticsGroupName": ["optics1"], "rlnTomoTiltSeriesPixelSize": [pixel],
                           "rlnImagePixelSize": [pixel * 2]})
    rows = []
    for i, (xyz, (rot, tilt, psi)) in enumerate(particles):
        row = {"rlnTomoName": "TS_01", "rlnCenteredCoordinateXAngst": xyz[0], "rlnCenteredCoordinateYAngst": xyz[1],
               "rlnCenteredCoordinateZAngst": xyz[2], "rlnAngleRot": rot, "rlnAngleTilt": tilt, "rlnAnglePsi": psi,
               "rlnOpticsGroup": 1, "rlnTomoParticleName": f"TS_01/{i + 1}", "rlnClassNumber": 2}
        o = (0.0, 0.0, 0.0) if origins is None else origins[i]
        row.update(zip(("rlnOriginXAngst", "rlnOriginYAngst", "rlnOriginZAngst"), o))
        if subtomogram is not None:
            row.update(zip(("rlnTomoSubtomogramRot", "rlnTomoSubtomogramTilt", "rlnTomoSubtomogramPsi"), subtomogram[i]))
        rows.append(row)
    data = folder / "run_data.star"
    starfile.write({"general": {"rlnTomoSubTomosAre2DStacks": 1}, "optics": optics, "particles": pd.DataFrame(rows)}, data, overwrite=True)
    tomograms = folder / "tomograms.star"
    starfile.write({"global": pd.DataFrame({
        "rlnTomoName": ["TS_01", "TS_02"], "rlnTomoTiltSeriesPixelSize": [pixel, pixel], "rlnTomoTomogramBinning": [binning, binning],
        "rlnTomoSizeX": [sizes[0], 100], "rlnTomoSizeY": [sizes[1], 100], "rlnTomoSizeZ": [sizes[2], 100],
    })}, tomograms, overwrite=True)
    return data, tomograms


def cone_tip(particles, box=BOX):
    """Where a cone placed at the (single) particle points: apex direction of its centre of mass (z, y, x)."""
    m = particle_mask(box, particles, shape="cone", radius=5, height=16)
    grid = np.indices(box).reshape(3, -1)
    com = (grid * m.reshape(-1)).sum(axis=1) / m.sum()
    away = particles.positions[0] - com  # the centroid lies towards the base, a quarter height from it
    return away / np.linalg.norm(away)


def assert_points(direction, expected):
    assert np.dot(direction, expected) > 0.99, (direction, expected)


# ---- conventions: a known orientation points where the format says


def test_motl_positions_are_one_based_and_the_rotation_turns_the_object(tmp_path):
    p = read_particles(motl_file(tmp_path / "m.em", [(CENTRE, (0, 90, 0))]))
    assert p.format == "motive list" and p.positions.tolist() == [CENTRE.tolist()]
    # cryoCAT: from_euler("zxz", (phi, theta, psi)) turns the reference; theta = 90 turns its z to -y
    assert_points(cone_tip(p), [0, -1, 0])


def test_motl_and_stopgap_agree(tmp_path):
    poses = [(CENTRE, (30, 50, 70)), (CENTRE + [1.5, -2, 3], (-100, 10, 200))]
    a = read_particles(motl_file(tmp_path / "m.em", poses))
    b = read_particles(stopgap_file(tmp_path / "sg.star", poses))
    assert b.format == "STOPGAP"
    np.testing.assert_allclose(a.positions, b.positions)
    np.testing.assert_allclose(a.rotations, b.rotations, atol=1e-12)


def test_dynamo_tilt_turns_clockwise_about_x(tmp_path):
    """Dynamo's wiki: the tilt turns the particle clockwise about its x axis, so z goes to +y."""
    p = read_particles(dynamo_file(tmp_path / "d.tbl", [(CENTRE, (0, 90, 0))]))
    assert p.format == "Dynamo" and p.positions.tolist() == [CENTRE.tolist()]
    assert_points(cone_tip(p), [0, 1, 0])
    # tdrot first turns the particle clockwise about z, taking its x axis to -y; the tilt about that
    # new axis then takes z to +x
    q = read_particles(dynamo_file(tmp_path / "d2.tbl", [(CENTRE, (90, 90, 0))]))
    assert_points(cone_tip(q), [0, 0, 1])


def test_relion_rot_and_tilt_are_the_projection_direction(tmp_path):
    """RELION: (rot, tilt) is the viewing direction: the beam (tomogram z) is the particle's
    (cos rot sin tilt, sin rot sin tilt, cos tilt)."""
    rot, tilt, psi = 30.0, 60.0, 45.0
    d_xyz = np.array([np.cos(np.radians(rot)) * np.sin(np.radians(tilt)), np.sin(np.radians(rot)) * np.sin(np.radians(tilt)),
                      np.cos(np.radians(tilt))])
    p = read_particles(relion_file(tmp_path / "r.star", [(CENTRE, (rot, tilt, psi))], pixel=2.0), voxel_size=2.0)
    assert p.format == "RELION 3.1" and p.positions.tolist() == [CENTRE.tolist()]  # 0-based pixels
    np.testing.assert_allclose(p.rotations[0].T @ [1, 0, 0], d_xyz[::-1], atol=1e-12)
    # a cone that points along d in the particle's frame points along the beam once placed
    turn = Rotation.align_vectors([d_xyz], [[0, 0, 1]])[0]
    cone = shape_mask(41, "cone", radius=6, height=20, angles=turn.as_euler("zxz", degrees=True))
    placed = particle_mask(BOX, p, mask=cone)
    grid = np.indices(BOX).reshape(3, -1)
    com = (grid * placed.reshape(-1)).sum(axis=1) / placed.sum()
    assert_points((p.positions[0] - com) / np.linalg.norm(p.positions[0] - com), [1, 0, 0])


def test_relion_subtomogram_angles_compose_before_the_particle_angles(tmp_path):
    """RELION's ParticleSet::getMatrix3x3 is A_subtomogram · A_particle."""
    path = relion_file(tmp_path / "r.star", [(CENTRE, (0, 90, 0))], subtomogram=[(90, 0, 0)])
    p = read_particles(path, voxel_size=2.0)
    # A_particle takes z to -x; A_subtomogram (rot 90) then takes -x to +y. The other order would leave -x.
    assert_points(cone_tip(p), [0, 1, 0])


def test_relion_origins_are_subtracted_in_angstrom_after_the_subtomogram_turn(tmp_path):
    data, tomograms = relion5_files(
        tmp_path, [((0.0, 0.0, 0.0), (0, 0, 0))], subtomogram=[(0, 90, 0)], origins=[(0.0, 0.0, 10.0)],
    )
    p = read_particles(data, tomograms=tomograms)
    # centre (x, y, z) = (240, 220, 200) unbinned pixels of 1.25 Å = (300, 275, 250) Å; voxels of 5 Å
    # the subtomogram turn takes the origin's z to -x: the particle sits at x + 10 Å
    assert p.format == "RELION 5" and p.voxel_size == 5.0
    np.testing.assert_allclose(p.positions[0], [250 / 5, 275 / 5, (300 + 10) / 5], atol=1e-9)
    assert p.classes.tolist() == [2] and p.tomo.tolist() == ["TS_01"]


def test_relion5_positions_follow_the_given_voxel_size_and_the_shapes_fallback(tmp_path):
    data, tomograms = relion5_files(tmp_path, [((50.0, -25.0, 10.0), (0, 0, 0))])
    p = read_particles(data, voxel_size=10.0, tomograms=tomograms)
    np.testing.assert_allclose(p.positions[0], [(250 + 10) / 10, (275 - 25) / 10, (300 + 50) / 10])
    q = read_particles(data, voxel_size=10.0, tomograms={"TS_01": (50, 55, 60)})
    np.testing.assert_allclose(q.positions[0], [25 + 1, 27.5 - 2.5, 30 + 5])


def test_relion_31_pixel_sizes_come_from_the_optics_groups(tmp_path):
    path = relion_file(tmp_path / "r.star", [((10.0, 20.0, 30.0), (0, 0, 0))], pixel=2.5)
    assert read_particles(path).voxel_size == 2.5
    np.testing.assert_allclose(read_particles(path, voxel_size=5.0).positions[0], [5, 10, 15])


# ---- the real files


def test_real_motive_list_normals_point_out_of_its_cube(shared_data):
    """motl_c10x10.em samples a 10-voxel cube's surface; each particle's z axis is the outward normal."""
    p = read_particles(shared_data / "particles" / "motl_c10x10.em")
    assert len(p) == 26 and p.tomograms == [1]
    centre = np.full(3, 4.0)  # the cube spans 0..10 in 1-based x, y, z: 4 in 0-based voxels
    for position, rotation in zip(p.positions, p.rotations):
        out = (position - centre) / np.linalg.norm(position - centre)
        normal = rotation @ [1, 0, 0]
        assert np.dot(normal, out) > 0.5
        if np.count_nonzero(np.round(position - centre, 3)) == 1:  # face centres: the normal is exact
            assert np.dot(normal, out) > 0.99


def test_real_motive_list_and_dynamo_table_match_cryocat(shared_data):
    cryomotl = pytest.importorskip("cryocat.cryomotl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, kind in (("motl_c10x10.em", "emmotl"), ("crop.tbl", "dynamo")):
            theirs = cryomotl.Motl.load(str(shared_data / "particles" / name), motl_type=kind)
            ours = read_particles(shared_data / "particles" / name)
            np.testing.assert_allclose(ours.positions, (theirs.get_coordinates() - 1)[:, ::-1], atol=1e-9)
            matrices = theirs.get_rotations().as_matrix()[:, ::-1, ::-1]
            np.testing.assert_allclose(ours.rotations, matrices, atol=1e-9)
            assert ours.tomo.tolist() == theirs.df["tomo_id"].astype(int).tolist()


def test_real_relion_31_angles_match_cryocat_and_pixel_sizes_are_per_group(shared_data):
    path = shared_data / "particles" / "relion_3.1_optics2.star"
    with pytest.raises(ValueError, match=r"2 pixel sizes \(2.446, 3.446 Å\)"):
        read_particles(path)
    p = read_particles(path, voxel_size=12.23)
    table = starfile.read(path)["particles"]
    # positions: coordinate pixels of each optics group, minus the Å origins, in 12.23 Å voxels
    pixel = np.where(table["rlnOpticsGroup"] == 1, 2.446, 3.446)
    xyz = table[["rlnCoordinateX", "rlnCoordinateY", "rlnCoordinateZ"]].to_numpy() * pixel[:, None]
    xyz -= table[["rlnOriginXAngst", "rlnOriginYAngst", "rlnOriginZAngst"]].to_numpy()
    np.testing.assert_allclose(p.positions, xyz[:, ::-1] / 12.23)
    assert len(p.select("0003_12.23Apx.mrc")) == 2 and len(p.select("0002_12.23Apx")) == 1
    cryomotl = pytest.importorskip("cryocat.cryomotl")
    converter = object.__new__(cryomotl.RelionMotl)
    converter.df = pd.DataFrame(index=range(len(table)))
    converter.convert_angles_from_relion(table)
    theirs = Rotation.from_euler("zxz", converter.df[["phi", "theta", "psi"]].to_numpy(), degrees=True).as_matrix()
    np.testing.assert_allclose(p.rotations, theirs[:, ::-1, ::-1], atol=1e-9)


def test_real_relion5_tutorial_lies_inside_its_tomograms(shared_data):
    folder = shared_data / "particles"
    p = read_particles(folder / "R5_tutorial_run_data.star", tomograms=folder / "R5_tutorial_run_tomograms.star")
    assert len(p) == 9053 and p.format == "RELION 5" and p.voxel_size == 10.0
    assert sorted(p.tomograms) == ["TS_01", "TS_03", "TS_43", "TS_45", "TS_54"]
    box = np.array([2000, 4000, 4000]) * 1.35 / 10  # 270 x 540 x 540 voxels of 10 Å
    assert np.all(p.positions > 0) and np.all(p.positions < box)
    np.testing.assert_allclose(np.einsum("nij,nkj->nik", p.rotations, p.rotations), np.broadcast_to(np.eye(3), (len(p), 3, 3)), atol=1e-9)
    # the first particle: centred Å + half the unbinned size, minus the subtomogram-turned origin
    row = starfile.read(folder / "R5_tutorial_run_data.star")["particles"].iloc[0]
    sub = Rotation.from_euler("ZYZ", row[["rlnTomoSubtomogramRot", "rlnTomoSubtomogramTilt", "rlnTomoSubtomogramPsi"]].to_numpy(float),
                              degrees=True).inv().as_matrix()
    xyz = row[["rlnCenteredCoordinateXAngst", "rlnCenteredCoordinateYAngst", "rlnCenteredCoordinateZAngst"]].to_numpy(float)
    origin = row[["rlnOriginXAngst", "rlnOriginYAngst", "rlnOriginZAngst"]].to_numpy(float)
    xyz = xyz + np.array([4000, 4000, 2000]) / 2 * 1.35 - sub @ origin
    np.testing.assert_allclose(p.positions[0], xyz[::-1] / 10.0, atol=1e-6)
    with pytest.raises(ValueError, match="tomograms="):
        read_particles(folder / "R5_tutorial_run_data.star")


def test_tomogram_geometry_reads_the_header_of_real_maps(shared_data):
    from napari_cryomask.io import read_volume

    for name in ("EMD-3001.map", "EMD-3197.map"):
        volume = read_volume(shared_data / name)
        shape, voxel_size, origin = tomogram_geometry(shared_data / name)
        assert shape == volume.data.shape and voxel_size == volume.voxel_size and origin == volume.origin


# ---- records, empty lists, selection


def test_an_empty_list_reads_as_no_particles(tmp_path):
    path = tmp_path / "empty.star"
    path.write_text("data_particles\n\nloop_\n_rlnCoordinateX #1\n_rlnCoordinateY #2\n_rlnCoordinateZ #3\n")
    p = read_particles(path)
    assert len(p) == 0 and p.positions.shape == (0, 3) and p.rotations.shape == (0, 3, 3)
    blank = tmp_path / "blank.tbl"
    blank.write_text("\n\n")
    assert len(read_particles(blank)) == 0


def test_select_names_the_tomograms_there_are(tmp_path):
    p = read_particles(dynamo_file(tmp_path / "d.tbl", [(CENTRE, (0, 0, 0))]))
    assert len(p.select(1)) == 1 and len(p.select("1")) == 1
    with pytest.raises(ValueError, match="no particles of tomogram '7'; the list has tomograms 1"):
        p.select("7")


def test_particles_check_their_shapes():
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        Particles(np.zeros((2, 2)), np.zeros((2, 3, 3)), np.zeros(2), np.zeros(2))


# ---- bad files: the message names the file, where, and what


@pytest.mark.parametrize("content, needle", [
    ("1 2 3\n", "line 1 has 3 columns; a Dynamo table needs at least 26"),
    (" ".join(["1"] * 35) + "\n" + " ".join(["1"] * 34) + "\n", "line 2 has 34 columns, line 1 has 35"),
    (" ".join(["1"] * 4 + ["x"] + ["1"] * 30) + "\n", "line 1, column 5 (dy): 'x' is not a number"),
    ("\n" + " ".join(["1"] * 23 + ["nan"] + ["1"] * 11) + "\n", "line 2, column 24 (x): 'nan' is not a finite number"),
    (" ".join(["1"] * 19 + ["-1e40"] + ["1"] * 15) + "\n", "particle 1: tomogram number -1e+40 is not a whole number below 2^31"),
])
def test_bad_dynamo_tables(tmp_path, content, needle):
    path = tmp_path / "bad.tbl"
    path.write_text(content)
    with pytest.raises(ValueError) as error:
        read_particles(path)
    assert needle in str(error.value) and str(path) in str(error.value)


def test_bad_motive_lists(tmp_path):
    path = tmp_path / "map.em"
    write_em(path, np.zeros((4, 5, 6)))
    with pytest.raises(ValueError, match=r"not a motive list.*nx, ny, nz = 6, 5, 4"):
        read_particles(path)
    raw = tmp_path / "nan.em"
    write_em(raw, np.zeros((1, 3, 20)))  # write_em refuses NaN: put one in by hand
    data = bytearray(raw.read_bytes())
    data[512 + (2 * 20 + MOTL_ROWS.index("phi")) * 4: 512 + (2 * 20 + MOTL_ROWS.index("phi")) * 4 + 4] = np.float32(np.nan).tobytes()
    raw.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"particle 3, row 17 \(phi\): nan is not a finite number"):
        read_particles(raw)
    huge = motl_file(tmp_path / "huge.em", [((5, 5, 5), (0, 0, 0)), ((6, 6, 6), (0, 0, 0))], classes=[1, 1e30])
    with pytest.raises(ValueError, match=r"huge.em: particle 2: class 1e\+30 is not a whole number below 2\^31"):
        read_particles(huge)


@pytest.mark.parametrize("text, needle", [
    ("hello\n", "no data blocks found"),
    ("data_particles\n\nloop_\n_rlnAngleRot #1\n10\n", "no particle table"),
    ("data_particles\n\nloop_\n_rlnCoordinateX #1\n_rlnCoordinateY #2\n_rlnCoordinateZ #3\n1 2 3\n4 abc 6\n",
     "line 8, particle 2, rlnCoordinateY: 'abc' is not a number"),
    ("data_particles\n\nloop_\n_rlnCoordinateX #1\n_rlnCoordinateY #2\n_rlnCoordinateZ #3\n_rlnAngleRot #4\n1 2 3 4\n",
     "has rlnAngleRot but not all of rlnAngleRot, rlnAngleTilt, rlnAnglePsi"),
    ("data_stopgap_motivelist\n\nloop_\n_orig_x\n_orig_y\n1 2\n", "data_stopgap_motivelist has no column orig_z"),
    ("data_optics\n\nloop_\n_rlnOpticsGroup #1\n_rlnImagePixelSize #2\n1 2.0\n\ndata_particles\n\nloop_\n"
     "_rlnCoordinateX #1\n_rlnCoordinateY #2\n_rlnCoordinateZ #3\n_rlnOpticsGroup #4\n1 2 3 1\n1 2 3 2\n",
     "line 16, particle 2, rlnOpticsGroup: optics group 2 is not in data_optics"),
])
def test_bad_star_files(tmp_path, text, needle):
    path = tmp_path / "bad.star"
    path.write_text(text)
    with pytest.raises(ValueError) as error:
        read_particles(path)
    assert needle in str(error.value) and str(path) in str(error.value)


def test_unknown_suffix_and_missing_tomogram(tmp_path):
    (tmp_path / "list.csv").write_text("1,2,3\n")
    with pytest.raises(ValueError, match="unknown particle list type '.csv'"):
        read_particles(tmp_path / "list.csv")
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_particles(tmp_path / "nothing.star")
    data, tomograms = relion5_files(tmp_path, [((0.0, 0.0, 0.0), (0, 0, 0))])
    table = starfile.read(data)
    table["particles"]["rlnTomoName"] = "TS_09"
    starfile.write(table, data, overwrite=True)
    with pytest.raises(ValueError, match="tomogram 'TS_09' is not in"):
        read_particles(data, tomograms=tomograms)


def test_dynamo_names_its_columns(tmp_path):
    p = read_particles(dynamo_file(tmp_path / "d.tbl", [(CENTRE, (1, 2, 3))]))
    assert list(p.table.columns[:len(DYNAMO_COLUMNS)]) == list(DYNAMO_COLUMNS)
    assert p.table["tdrot"].tolist() == [1.0] and p.table.columns[-1] == "c35"

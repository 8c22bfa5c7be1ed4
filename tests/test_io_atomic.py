"""Writes that lose nothing: exclusive creation, signals, leftovers of killed writers, permissions."""

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from napari_cryomask.io import atomic, read_volume, write_volume
from napari_cryomask.io.atomic import TEMP_SUFFIX, PendingFile, atomic_write, remove_stale_temporaries

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and permissions")


def names(folder):
    return sorted(os.listdir(folder))


@pytest.mark.parametrize("suffix", [".mrc", ".em"])
def test_concurrent_creators_one_wins(tmp_path, suffix):
    path = tmp_path / f"race{suffix}"
    start = threading.Barrier(8)
    outcome = {}

    def create(i):
        data = np.full((32, 32, 32), float(i), np.float32)
        start.wait()
        try:
            write_volume(path, data)
            outcome[i] = "created"
        except FileExistsError:
            outcome[i] = "exists"

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, what in outcome.items() if what == "created"]
    assert len(winners) == 1, outcome
    assert float(read_volume(path).data[0, 0, 0]) == winners[0]
    assert names(tmp_path) == [path.name]


def test_creation_without_hard_links_is_still_exclusive(tmp_path, monkeypatch):
    def no_links(source, target):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "fat.mrc"
    write_volume(path, np.ones((2, 2, 2)))
    assert read_volume(path).data.shape == (2, 2, 2)
    path.unlink()
    with pytest.raises(FileExistsError, match="fat.mrc"):
        with PendingFile(path) as pending:
            pending.stream.write(b"x")
            path.write_bytes(b"someone else's")  # created between the check and the commit
            pending.commit()
    assert path.read_bytes() == b"someone else's"
    assert names(tmp_path) == ["fat.mrc"]


def test_file_created_meanwhile_is_not_replaced(tmp_path):
    path = tmp_path / "late.mrc"
    with pytest.raises(FileExistsError, match=r"late\.mrc: file exists"):
        with PendingFile(path) as pending:
            pending.stream.write(b"mine")
            path.write_bytes(b"theirs")
            pending.commit()
    assert path.read_bytes() == b"theirs"
    assert names(tmp_path) == ["late.mrc"]


@posix
def test_replacing_keeps_permission_bits(tmp_path):
    path = tmp_path / "shared.mrc"
    write_volume(path, np.ones((2, 2, 2)))
    os.chmod(path, 0o640)
    write_volume(path, np.zeros((2, 2, 2)), overwrite=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert float(read_volume(path).data.max()) == 0.0


@posix
def test_new_files_get_the_umask_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        write_volume(tmp_path / "new.mrc", np.ones((2, 2, 2)))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.mrc").st_mode) == 0o640


@posix
def test_symlink_at_the_target_is_never_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "mask.mrc"
    link.symlink_to(victim)
    with pytest.raises(FileExistsError):
        write_volume(link, np.ones((2, 2, 2)))
    write_volume(link, np.ones((2, 2, 2)), overwrite=True)
    assert victim.read_text() == "precious"
    assert not link.is_symlink() and read_volume(link).data.shape == (2, 2, 2)


def test_temporary_names_are_unpredictable_and_recognisable(tmp_path):
    seen = []

    def spy(stream):
        seen.extend(n for n in names(tmp_path) if n != "a.bin")
        stream.write(b"x")

    atomic_write(tmp_path / "a.bin", spy)
    atomic_write(tmp_path / "a.bin", spy, overwrite=True)
    assert seen[0] != seen[1]
    assert all(n.startswith(".a.bin.") and n.endswith(f".{os.getpid()}-{atomic._HOST}{TEMP_SUFFIX}") for n in seen)


def test_errors_name_the_target_not_the_temporary(tmp_path):
    def fail(stream):
        [temporary] = names(tmp_path)
        raise OSError(errno.EIO, "Input/output error", str(tmp_path / temporary))

    with pytest.raises(OSError) as raised:
        atomic_write(tmp_path / "m.mrc", fail)
    assert raised.value.filename == str(tmp_path / "m.mrc")
    assert TEMP_SUFFIX not in str(raised.value)
    assert names(tmp_path) == []


WRITER = textwrap.dedent("""
    import sys, time
    from napari_cryomask.io.atomic import atomic_write
    def write(stream):
        stream.write(b"x" * 1000000)
        stream.flush()
        print("writing", flush=True)
        time.sleep(60)
    atomic_write(sys.argv[1], write, overwrite=True)
""")


def start_writer(path):
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    return child


@posix
@pytest.mark.parametrize("number, status", [(signal.SIGTERM, 143), (signal.SIGINT, -signal.SIGINT), (signal.SIGHUP, 129)])
def test_signals_during_a_write_leave_no_temporary_file(tmp_path, number, status):
    path = tmp_path / "map.mrc"
    path.write_bytes(b"old")
    child = start_writer(path)
    assert len(names(tmp_path)) == 2
    child.send_signal(number)
    assert child.wait(timeout=30) == status
    assert names(tmp_path) == ["map.mrc"]
    assert path.read_bytes() == b"old"


@posix
def test_temporary_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    path = tmp_path / "map.mrc"
    child = start_writer(path)
    child.kill()
    child.wait(timeout=30)
    [left] = [n for n in names(tmp_path) if n.endswith(TEMP_SUFFIX)]
    running = start_writer(tmp_path / "other.mrc")  # a write in progress must not lose its file
    try:
        atomic.remove_stale_temporaries.__globals__["_SWEEPS"].clear()
        write_volume(tmp_path / "next.mrc", np.ones((2, 2, 2)))
        remaining = names(tmp_path)
        assert left not in remaining
        assert sum(n.endswith(TEMP_SUFFIX) for n in remaining) == 1, remaining
    finally:
        running.kill()
        running.wait(timeout=30)


def test_stale_sweep_leaves_other_files_alone(tmp_path):
    keep = [".map.mrc.abc.tmp", "notes.cryomask-tmp", f".x.abcdefgh.1-{atomic._HOST}.cryomask-tmp.bak"]
    for name in keep:
        (tmp_path / name).write_text("mine")
    other_host = tmp_path / f".x.abcdefgh.999999999-00000000{TEMP_SUFFIX}"
    other_host.write_text("elsewhere")
    assert remove_stale_temporaries(tmp_path) == []
    assert names(tmp_path) == sorted(keep + [other_host.name])


def test_stale_sweep_of_a_large_folder_is_throttled(tmp_path, monkeypatch):
    calls = []
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda folder: calls.append(folder) or real(folder))
    monkeypatch.setitem(atomic._SWEEPS, os.path.abspath(tmp_path), (time.monotonic(), 10.0))
    write_volume(tmp_path / "a.mrc", np.ones((2, 2, 2)))
    assert calls == []


def test_large_writes_start_their_writeback_in_pieces_and_keep_every_byte(tmp_path, monkeypatch):
    # A header, a body of several pieces, then the header rewritten in place, as the MRC writer does.
    asked = []
    if hasattr(os, "posix_fadvise"):
        real = os.posix_fadvise

        def advise(fd, start, size, advice):
            asked.append((start, size))
            real(fd, start, size, advice)

        monkeypatch.setattr(os, "posix_fadvise", advise)
    body = np.random.default_rng(0).integers(0, 256, 3 * atomic.WRITEBACK_BYTES + 12345, dtype=np.uint8)
    target = tmp_path / "big.bin"

    def write(stream):
        stream.write(bytes(100))
        stream.write(memoryview(body[: body.size // 4 * 4].view(np.float32)))  # not bytes: a float32 view
        stream.write(body[body.size // 4 * 4:].tobytes())
        stream.seek(0)
        stream.write(b"H" * 100)
        stream.seek(0, os.SEEK_END)

    atomic_write(target, write)
    assert target.read_bytes() == b"H" * 100 + body.tobytes()
    if hasattr(os, "posix_fadvise"):
        assert len(asked) == 3
        assert all(size >= atomic.WRITEBACK_BYTES for _, size in asked)
        assert [start for start, _ in asked] == [0] + [sum(size for _, size in asked[:i]) for i in (1, 2)]
        assert sum(size for _, size in asked) <= 100 + body.size

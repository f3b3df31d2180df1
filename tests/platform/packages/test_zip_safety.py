"""Unsafe package archives are refused before anything is written (issue 2, acceptance 5)."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from servicekit.platform.packages import MAX_TOTAL_BYTES, PackageError, read_package
from tests.platform.packages.conftest import SAMPLE, dump_database, install


def _zip_of_sample(path: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(SAMPLE.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(SAMPLE).as_posix())
        for name, data in extra:
            archive.writestr(name, data)
    return path


def _snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_a_clean_zip_installs(app, tmp_path: Path) -> None:
    result = install(app, _zip_of_sample(tmp_path / "ok.zip", []))
    assert result.records == 6


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("../escape.txt", "contains '..'"),
        ("forms/../../escape.json", "contains '..'"),
        ("/etc/servicekit-owned.json", "absolute path"),
    ],
)
def test_escaping_entries_are_refused(app, tmp_path: Path, entry: str, expected: str) -> None:
    archive = _zip_of_sample(tmp_path / "bad.zip", [(entry, b"{}")])
    before_db = dump_database(app)
    before_files = _snapshot(tmp_path)
    cwd_before = set(os.listdir(Path.cwd()))
    with pytest.raises(PackageError) as caught:
        install(app, archive)
    assert expected in str(caught.value)
    assert "Nothing was installed" in str(caught.value)
    assert dump_database(app) == before_db
    assert _snapshot(tmp_path) == before_files
    assert set(os.listdir(Path.cwd())) == cwd_before
    assert not Path("/etc/servicekit-owned.json").exists()


def test_a_zip_bomb_is_refused_before_it_is_expanded(app, tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("manifest.json", b"{}")
        with handle.open("data/huge.csv", "w") as big:
            chunk = b"0" * (1024 * 1024)
            for _ in range(MAX_TOTAL_BYTES // len(chunk) + 2):
                big.write(chunk)
    assert archive.stat().st_size < 2 * 1024 * 1024
    before_db = dump_database(app)
    before_files = _snapshot(tmp_path)
    with pytest.raises(PackageError) as caught:
        install(app, archive)
    assert "expands to" in str(caught.value) and "at most" in str(caught.value)
    assert dump_database(app) == before_db
    assert _snapshot(tmp_path) == before_files


def test_symbolic_links_in_a_zip_are_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("forms/link.json")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip_of_sample(tmp_path / "link.zip", [(link, b"/etc/passwd")])
    with pytest.raises(PackageError, match="symbolic link"):
        read_package(archive)


def test_too_many_entries_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for index in range(5_001):
            handle.writestr(f"data/f{index}.csv", b"")
    with pytest.raises(PackageError, match="5001 entries; at most 5000"):
        read_package(archive)


def test_a_missing_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="does not exist"):
        read_package(tmp_path / "nowhere")

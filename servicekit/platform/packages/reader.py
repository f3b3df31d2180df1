"""Reads a package folder or ``.zip`` into memory, refusing unsafe archives before any write.

Nothing is extracted to disk: entries are checked (no absolute paths, no ``..``, no links,
at most :data:`MAX_ENTRIES` entries and :data:`MAX_TOTAL_BYTES` uncompressed) and then read
into a mapping of package-relative path to bytes.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from servicekit.platform.packages.errors import PackageError

MAX_ENTRIES = 5_000
MAX_TOTAL_BYTES = 100 * 1024 * 1024


def read_package(path: str | Path) -> dict[str, bytes]:
    """The files of the package at ``path`` (a folder or a zip), by relative POSIX path."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return _read_zip(path)
    if not path.exists():
        raise PackageError.single(f"No package at {path}: the path does not exist.")
    raise PackageError.single(f"{path} is neither a package folder nor a .zip file.")


def _check_name(name: str) -> str:
    """Return the normalised relative path of an entry, or raise if it could escape."""
    if "\\" in name:
        name = name.replace("\\", "/")
    pure = PurePosixPath(name)
    if name.startswith("/") or pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise PackageError.single(
            f"The archive entry '{name}' has an absolute path; packages may only hold "
            "relative paths. Nothing was installed.",
            file=name,
        )
    if ".." in pure.parts:
        raise PackageError.single(
            f"The archive entry '{name}' contains '..' and would be written outside the "
            "package. Nothing was installed.",
            file=name,
        )
    return str(pure)


def _strip_common_root(files: dict[str, bytes]) -> dict[str, bytes]:
    # Zips made by "compress folder" put everything under one top folder; accept that.
    if "manifest.json" in files or not files:
        return files
    roots = {name.split("/", 1)[0] for name in files}
    if len(roots) == 1 and all("/" in name for name in files):
        root = roots.pop() + "/"
        return {name[len(root) :]: data for name, data in files.items()}
    return files


def _read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise PackageError.single(
                f"The archive has {len(entries)} entries; at most {MAX_ENTRIES} are allowed."
            )
        declared = 0
        for entry in entries:
            _check_name(entry.filename)
            mode = entry.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise PackageError.single(
                    f"The archive entry '{entry.filename}' is a symbolic link; links are not "
                    "allowed in packages.",
                    file=entry.filename,
                )
            declared += entry.file_size
        if declared > MAX_TOTAL_BYTES:
            raise PackageError.single(
                f"The archive expands to {declared:,} bytes; at most {MAX_TOTAL_BYTES:,} are allowed."
            )
        files: dict[str, bytes] = {}
        total = 0
        for entry in entries:
            if entry.is_dir():
                continue
            # Sizes in the header can lie; count what really comes out, in chunks.
            chunks = []
            with archive.open(entry) as handle:
                while chunk := handle.read(1024 * 1024):
                    total += len(chunk)
                    if total > MAX_TOTAL_BYTES:
                        raise PackageError.single(
                            f"The archive expands past {MAX_TOTAL_BYTES:,} bytes; refused."
                        )
                    chunks.append(chunk)
            files[_check_name(entry.filename)] = b"".join(chunks)
    return _strip_common_root(files)


def _read_folder(root: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for item in sorted(root.rglob("*")):
        relative = item.relative_to(root).as_posix()
        if any(part.startswith(".") for part in PurePosixPath(relative).parts):
            continue  # editor and VCS leftovers (.git, .DS_Store) are not part of a package
        if item.is_symlink():
            raise PackageError.single(
                f"'{relative}' is a symbolic link; links are not allowed in packages.",
                file=relative,
            )
        if item.is_dir():
            continue
        if len(files) >= MAX_ENTRIES:
            raise PackageError.single(f"The package has more than {MAX_ENTRIES} files.")
        data = item.read_bytes()
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise PackageError.single(f"The package is larger than {MAX_TOTAL_BYTES:,} bytes.")
        files[relative] = data
    return files

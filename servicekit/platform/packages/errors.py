"""The root error of app packages."""

from __future__ import annotations

from servicekit.platform.metadata.problems import MetadataError, Problem


class PackageError(MetadataError):
    """A package cannot be read, installed, exported or removed; lists every problem."""

    @classmethod
    def single(cls, message: str, file: str | None = None) -> PackageError:
        return cls([Problem(message=message, path="$", file=file)])

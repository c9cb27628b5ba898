"""Turning what the user gave (a path, an uploaded file, a zip) into named byte strings.

A zip is opened defensively: an entry with an absolute path or `..` (zip slip), a
symlink, or more uncompressed data than allowed refuses the whole archive, because
nothing in it can then be trusted."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path, PurePosixPath

from .formats.common import FileRejected
from .parsed import Problem, SourceFile

# A zip bomb guard: the unpacked files may total at most this many times the upload
# limit (text compresses about 4:1; every entry is held in memory while it is read).
MAX_UNZIPPED_FACTOR = 4


def _skipped(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def read_zip(name: str, data: bytes, max_bytes: int) -> list[SourceFile]:
    """The files of the zip `data` in archive order; FileRejected for an unsafe archive."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRejected(Problem(name, "", "not a valid zip archive")) from None
    files = []
    total = 0
    with archive:
        for info in archive.infolist():
            entry = info.filename
            path = PurePosixPath(entry.replace("\\", "/"))
            if (
                entry.startswith(("/", "\\"))
                or (len(entry) > 1 and entry[1] == ":")
                or ".." in path.parts
            ):
                raise FileRejected(
                    Problem(
                        name,
                        "",
                        f"the entry “{entry}” points outside the archive "
                        "(absolute path or ..); the archive is refused",
                    )
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise FileRejected(
                    Problem(
                        name, "", f"the entry “{entry}” is a symbolic link; the archive is refused"
                    )
                )
            if info.is_dir() or _skipped(entry):
                continue
            total += info.file_size
            if total > max_bytes * MAX_UNZIPPED_FACTOR:
                raise FileRejected(
                    Problem(
                        name,
                        "",
                        f"the archive unpacks to more than {max_bytes * MAX_UNZIPPED_FACTOR:,} "
                        "bytes; split it into smaller archives",
                    )
                )
            try:
                content = archive.read(info)
            except (zipfile.BadZipFile, RuntimeError, OSError) as error:
                raise FileRejected(
                    Problem(name, "", f"the entry “{entry}” cannot be read: {error}")
                ) from None
            files.append(SourceFile(f"{name}/{path}", content))
    if not files:
        raise FileRejected(Problem(name, "", "the archive contains no files"))
    return files


def read_upload(name: str, data: bytes, max_bytes: int) -> list[SourceFile]:
    """One uploaded file, unpacked if it is a zip."""
    if name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
        return read_zip(name, data, max_bytes)
    return [SourceFile(name, data)]


def read_path(path: Path, max_bytes: int) -> list[SourceFile]:
    """A file, a zip, or every file of a folder (recursively, hidden files skipped)."""
    if not path.exists():
        raise FileRejected(Problem(str(path), "", "no such file or folder"))
    if path.is_dir():
        files = []
        for child in sorted(path.rglob("*")):
            relative = child.relative_to(path).as_posix()
            if child.is_file() and not _skipped(relative):
                files.append(SourceFile(f"{path.name}/{relative}", child.read_bytes()))
        if not files:
            raise FileRejected(Problem(str(path), "", "the folder contains no files"))
        return files
    return read_upload(path.name, path.read_bytes(), max_bytes)

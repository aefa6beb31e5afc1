"""Running git: one command (:func:`git`) or many object reads in one process (:func:`cat_files`).

Phantom reads everything a release holds straight from git objects, never from a checkout of
a tag, so the catalog, the tag reader and the store share these two entry points. A failure
becomes one :class:`RegistryError` line here, once.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from registry.errors import RegistryError


def git(root: Path, *args: str, check: bool = True) -> str:
    """Run git in ``root``; returns stdout. A failure becomes one :class:`RegistryError` line."""
    result = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, env=_git_env(), check=False
    )
    if check and result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise RegistryError(f"git {' '.join(args)} failed in {root}: {reason[0] if reason else ''}")
    return result.stdout


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    # Commits made by `phantom init` must work on a machine with no git identity configured.
    env.setdefault("GIT_AUTHOR_NAME", "phantom")
    env.setdefault("GIT_AUTHOR_EMAIL", "phantom@localhost")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    return env


def cat_files(git_dir: Path, objects: Sequence[str]) -> Iterator[bytes | None]:
    """The contents of objects (ids or ``<rev>:<path>``), from one ``git cat-file --batch``.

    Yields None for an object that does not exist. Requests are written by a thread while the
    answers are read, so neither pipe fills up. Raises :class:`RegistryError` when git stops.
    """
    if not objects:
        return
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=git_dir,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def write() -> None:
        assert proc.stdin is not None
        try:
            for obj in objects:
                proc.stdin.write(obj.encode() + b"\n")
            proc.stdin.close()
        except BrokenPipeError:  # git died; the reader reports it
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        for obj in objects:
            header = proc.stdout.readline()
            if not header:
                raise RegistryError(f"git cat-file stopped at {obj} in {git_dir}")
            parts = header.split()
            if len(parts) != 3 or parts[1] in (b"missing", b"ambiguous"):
                yield None
                continue
            size = int(parts[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
            yield data
    finally:
        writer.join()
        proc.stdout.close()
        proc.wait()


__all__ = ["cat_files", "git"]

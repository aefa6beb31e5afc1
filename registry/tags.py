"""Release tags: the one place that decides which git tags are releases and what they say.

A release is the annotated tag ``name@<semver>`` whose message carries a ``content:`` line
with the version's content hash (:func:`release_message` writes it). Both readers of tags go
through :func:`list_tags` and :func:`read_tag_refs`: :func:`released_versions` (what
``resolve`` and ``fetch`` see, for a checkout and for a git-URL mirror alike) and the catalog
(which re-reads only tags whose object moved). So the two can never disagree on what is
released. A lightweight tag of the same shape counts too, with no content hash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from registry._git import cat_files, git
from registry.recipes import NAME_PATTERN, SEMVER_PATTERN
from registry.versions import Version

TAG_CONTENT_PREFIX = "content: "

_TAG = re.compile(NAME_PATTERN.removesuffix("$") + "@" + SEMVER_PATTERN.removeprefix("^"))


@dataclass(frozen=True)
class TagRef:
    """A ``name@version`` tag: its object, the commit it names, when and what it released."""

    tag: str
    name: str
    version: str
    tag_object: str
    rev: str
    created: datetime | None
    content_hash: str

    def to_version(self) -> Version:
        return Version(self.name, self.version, self.content_hash, rev=self.rev)


def is_release_tag(tag: str) -> bool:
    """Whether ``tag`` has the shape of a release, ``<name>@<semver>``."""
    return _TAG.match(tag) is not None


def release_message(tag: str, content_hash: str) -> str:
    """The message of the annotated tag that releases ``tag`` with ``content_hash``."""
    return f"phantom release {tag}\n\n{TAG_CONTENT_PREFIX}{content_hash}\n"


def list_tags(git_dir: Path) -> dict[str, str]:
    """Every release tag of the repo at ``git_dir`` with its object id.

    One ``git for-each-ref`` that reads only the refs, not the tag objects: this is all an
    unchanged catalog costs. Raises :class:`RegistryError` when git fails.
    """
    out = git(git_dir, "for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/tags")
    tags: dict[str, str] = {}
    for line in out.splitlines():
        tag, _, obj = line.rpartition(" ")
        if is_release_tag(tag):
            tags[tag] = obj
    return tags


def read_tag_refs(git_dir: Path, tags: Mapping[str, str]) -> list[TagRef]:
    """Read the tag objects of ``tags`` (tag -> object id): commit, tagger date, content hash.

    A lightweight tag (pointing at a commit) gets the commit's date and no content hash.
    """
    refs = []
    for (tag, obj), raw in zip(tags.items(), cat_files(git_dir, list(tags.values())), strict=True):
        name, _, version = tag.partition("@")
        text = (raw or b"").decode(errors="replace")
        head, _, message = text.partition("\n\n")
        fields = dict(line.split(" ", 1) for line in head.splitlines() if " " in line)
        if "object" in fields and fields.get("type") == "commit":  # an annotated tag
            rev, stamp = fields["object"], fields.get("tagger", "")
        else:  # a lightweight tag names the commit itself
            rev, stamp, message = obj, fields.get("committer", ""), ""
        parts = stamp.split()
        seconds = parts[-2] if len(parts) >= 2 and parts[-2].isdigit() else None
        refs.append(
            TagRef(
                tag=tag,
                name=name,
                version=version,
                tag_object=obj,
                rev=rev,
                created=datetime.fromtimestamp(int(seconds), UTC).replace(tzinfo=None)
                if seconds
                else None,
                content_hash=_content_line(message),
            )
        )
    return refs


def released_versions(git_dir: Path, name: str | None = None) -> list[Version]:
    """The released versions in the repo at ``git_dir`` (all datasets, or ``name``'s).

    Sorted by dataset, then semver, oldest first. Raises :class:`RegistryError` when git fails.
    """
    tags = {t: obj for t, obj in list_tags(git_dir).items() if name in (None, t.partition("@")[0])}
    found = [ref.to_version() for ref in read_tag_refs(git_dir, tags)]
    return sorted(found, key=lambda v: (v.name, v.semver))


def _content_line(message: str) -> str:
    return next(
        (
            line.removeprefix(TAG_CONTENT_PREFIX).strip()
            for line in message.splitlines()
            if line.startswith(TAG_CONTENT_PREFIX)
        ),
        "",
    )


__all__ = [
    "TAG_CONTENT_PREFIX",
    "TagRef",
    "is_release_tag",
    "list_tags",
    "read_tag_refs",
    "release_message",
    "released_versions",
]

"""The version grammar and resolution: ``name``, ``name@1.2.0``, ``name@^1.2``,
``name@~1.2.3`` and ``name@sha256:<hex>``.

Parsing is pure; resolution takes the released versions as a list, so the same code serves
the CLI, ``registry.load``, lock files and the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import total_ordering
from typing import Literal

from registry.errors import DatasetNotFound, VersionSpecError
from registry.recipes import NAME_PATTERN, SEMVER_PATTERN

SpecKind = Literal["latest", "exact", "caret", "tilde", "hash"]

_PARTIAL = re.compile(r"^(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?$")
_HASH = re.compile(r"^sha256:[0-9a-f]{8,64}$")


@total_ordering
@dataclass(frozen=True)
class SemVer:
    """A parsed semantic version; orders as semver.org says (pre-releases sort first)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer:
        match = re.match(SEMVER_PATTERN, text)
        if not match:
            raise VersionSpecError(f"version {text!r} is not semver; expected e.g. 1.2.0")
        major, minor, patch, pre = match.groups()
        return cls(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else ())

    def _key(self) -> tuple:
        # A release sorts after its pre-releases; numeric identifiers sort before alphanumeric.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, not self.prerelease, pre)

    def __lt__(self, other: SemVer) -> bool:
        return self._key() < other._key()

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.prerelease)}" if self.prerelease else core


@dataclass(frozen=True)
class VersionSpec:
    """A parsed spec: which dataset, and which of its versions."""

    name: str
    kind: SpecKind
    value: str = ""  # the version, range base or hash, as written

    @classmethod
    def parse(cls, spec: str) -> VersionSpec:
        """Parse ``name[@selector]``; raises :class:`VersionSpecError` naming what is wrong."""
        name, sep, selector = spec.strip().partition("@")
        if not re.match(NAME_PATTERN, name):
            raise VersionSpecError(
                f"dataset name {name!r} in spec {spec!r} should be lowercase letters, digits and -"
            )
        if not sep:
            return cls(name, "latest")
        if _HASH.match(selector):
            return cls(name, "hash", selector)
        if selector[:1] in "^~" and _PARTIAL.match(selector[1:]):
            return cls(name, "caret" if selector[0] == "^" else "tilde", selector[1:])
        if re.match(SEMVER_PATTERN, selector):
            return cls(name, "exact", selector)
        raise VersionSpecError(
            f"spec {spec!r}: expected name@1.2.0, name@^1.2, name@~1.2.3 or name@sha256:<hex>"
        )

    def __str__(self) -> str:
        prefix = {"latest": "", "exact": "@", "caret": "@^", "tilde": "@~", "hash": "@"}[self.kind]
        return f"{self.name}{prefix}{self.value}"

    def matches(self, version: SemVer, content_hash: str | None = None) -> bool:
        """Whether a released ``version`` (with its ``content_hash``) satisfies this spec."""
        if self.kind == "latest":
            return True
        if self.kind == "hash":
            return bool(content_hash) and content_hash.startswith(self.value)
        if self.kind == "exact":
            return version == SemVer.parse(self.value)
        low, high = _range_bounds(self.kind, self.value)
        # As npm does, a range admits pre-releases only when it names one: never here.
        return not version.prerelease and low <= version < high


def _range_bounds(kind: SpecKind, base: str) -> tuple[SemVer, SemVer]:
    parts = [int(p) for p in base.split(".")]
    major, minor, patch = ([*parts, 0, 0])[:3]
    low = SemVer(major, minor, patch)
    if kind == "tilde":
        # ~1.2.3 and ~1.2 pin the minor; ~1 pins the major.
        high = SemVer(major + 1, 0, 0) if len(parts) == 1 else SemVer(major, minor + 1, 0)
    elif major > 0 or len(parts) == 1:
        high = SemVer(major + 1, 0, 0)
    elif minor > 0 or len(parts) == 2:
        high = SemVer(0, minor + 1, 0)
    else:
        high = SemVer(0, 0, patch + 1)
    return low, high


@dataclass(frozen=True)
class Version:
    """A released version: ``name@version``, its git tag, and the hash of its content."""

    name: str
    version: str
    content_hash: str
    rev: str = ""  # the commit the tag points to

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def semver(self) -> SemVer:
        return SemVer.parse(self.version)


def resolve(spec: str | VersionSpec, released: Iterable[Version]) -> Version:
    """The newest released version that satisfies ``spec``.

    ``name`` alone means the newest release, preferring full releases over pre-releases.
    Raises :class:`DatasetNotFound` naming the spec and what exists.
    """
    parsed = spec if isinstance(spec, VersionSpec) else VersionSpec.parse(spec)
    mine = [v for v in released if v.name == parsed.name]
    if not mine:
        raise DatasetNotFound(
            f"dataset {parsed.name!r} has no released version; "
            f"run 'phantom release {parsed.name}' after materializing it"
        )
    candidates = [v for v in mine if parsed.matches(v.semver, v.content_hash)]
    if parsed.kind == "latest" and any(not v.semver.prerelease for v in candidates):
        candidates = [v for v in candidates if not v.semver.prerelease]
    if not candidates:
        known = ", ".join(v.version for v in sorted(mine, key=lambda v: v.semver))
        raise DatasetNotFound(
            f"no version of {parsed.name!r} matches {str(parsed)!r}; released: {known}"
        )
    return max(candidates, key=lambda v: v.semver)

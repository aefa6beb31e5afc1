"""The version grammar: name, name@1.2.0, name@^1.2, name@~1.2.3, name@sha256:<hex>."""

from __future__ import annotations

import pytest

from registry.errors import DatasetNotFound, VersionSpecError
from registry.versions import SemVer, Version, VersionSpec, resolve

RELEASED = [
    Version("fraud", "1.0.0", "sha256:" + "a" * 64),
    Version("fraud", "1.2.0", "sha256:" + "b" * 64),
    Version("fraud", "1.2.5", "sha256:" + "c" * 64),
    Version("fraud", "1.3.0", "sha256:" + "d" * 64),
    Version("fraud", "2.0.0-rc.1", "sha256:" + "e" * 64),
    Version("fraud", "2.1.0", "sha256:" + "f" * 64),
    Version("other", "9.0.0", "sha256:" + "0" * 64),
]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("fraud", "2.1.0"),
        ("fraud@1.2.0", "1.2.0"),
        ("fraud@^1.2", "1.3.0"),
        ("fraud@^1", "1.3.0"),
        ("fraud@~1.2", "1.2.5"),
        ("fraud@~1.2.3", "1.2.5"),
        ("fraud@2.0.0-rc.1", "2.0.0-rc.1"),
        ("fraud@^2", "2.1.0"),
        ("fraud@sha256:cccccccc", "1.2.5"),
        (f"fraud@sha256:{'a' * 64}", "1.0.0"),
    ],
)
def test_resolve_picks_newest_matching_version(spec: str, expected: str) -> None:
    assert resolve(spec, RELEASED).version == expected


def test_resolve_latest_prefers_releases_over_prereleases() -> None:
    versions = [Version("x", "1.0.0", ""), Version("x", "1.1.0-beta", "")]
    assert resolve("x", versions).version == "1.0.0"
    assert resolve("x", versions[1:]).version == "1.1.0-beta"


def test_semver_orders_prereleases_before_release() -> None:
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-rc.1", "1.0.0"]
    assert sorted(order, key=SemVer.parse) == order
    assert SemVer.parse("1.10.0") > SemVer.parse("1.9.9")


def test_caret_on_zero_major_pins_minor() -> None:
    versions = [Version("x", v, "") for v in ["0.2.0", "0.2.9", "0.3.0"]]
    assert resolve("x@^0.2", versions).version == "0.2.9"


@pytest.mark.parametrize(
    "spec", ["Fraud", "fraud@1.2", "fraud@latest", "fraud@^x", "fraud@sha256:zz", "@1.0.0", "a b"]
)
def test_parse_rejects_bad_specs_with_one_line(spec: str) -> None:
    with pytest.raises(VersionSpecError) as info:
        VersionSpec.parse(spec)
    assert "\n" not in str(info.value)


def test_resolve_names_released_versions_when_nothing_matches() -> None:
    with pytest.raises(DatasetNotFound, match=r"released: 1\.0\.0, 1\.2\.0"):
        resolve("fraud@^3", RELEASED)
    with pytest.raises(DatasetNotFound, match="no released version"):
        resolve("missing", RELEASED)


def test_spec_round_trips_to_text() -> None:
    for text in ["fraud", "fraud@1.2.0", "fraud@^1.2", "fraud@~1.2.3", "fraud@sha256:abcdef12"]:
        assert str(VersionSpec.parse(text)) == text

"""Lock files: the dataset specs of a training config, pinned to exact versions and hashes.

``phantom lock train.yaml`` (or :func:`lock_config`) reads a training config (YAML or JSON),
finds its dataset specs, resolves each one, and writes ``train.lock`` beside it. Specs are:

- the value of any key named ``dataset`` (a string), at any depth;
- the items of any key named ``datasets``: a list of strings, or a mapping to strings;
- every ``${phantom:SPEC}`` interpolation inside a string value. OmegaConf's grammar does not
  allow ``^`` or ``~`` unquoted, so ranges there are written quoted:
  ``${phantom:'fraud@^1.2'}``; exact versions, names and ``hf://`` specs need no quotes.

A spec is a registry spec (``fraud``, ``fraud@1.2.0``, ``fraud@^1.2``, ``fraud@~1.2.3``,
``fraud@sha256:<hex>``) or a published copy (``hf://org/fraud@1.2.0``, same selectors).

The lock file is YAML, meant to be committed beside the config::

    # Written by 'phantom lock train.yaml'; commit it with the config. ...
    lock_version: 1
    config: train.yaml
    repo: null                    # the registry the specs were resolved in (null: default)
    datasets:
      fraud@^1.2:                 # the spec exactly as the config writes it
        source: registry          # registry | hub
        name: fraud               # dataset name, or the Hub repo id for hub pins
        version: 1.2.3            # the exact version it resolved to
        content_hash: sha256:...  # the bytes it must have
        rev: 9f3c...              # git commit of the release tag, or the Hub commit
        found_at: [train.dataset]

Loading honours a lock when one is given: ``registry.load(spec, lock=...)``,
``Registry.load(spec, lock=...)`` and the ``${phantom:...}`` resolver take ``lock=`` (the lock
file, or the config beside it); without it, ``$PHANTOM_LOCK`` names one. Under a lock a spec
must be pinned in it (else :class:`DatasetNotFound`), loads the pinned version rather than
whatever is newest now, and its bytes must hash to the pinned content hash (else
:class:`IntegrityError`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from registry._files import atomic_write_text
from registry.errors import DatasetNotFound, InputError, IntegrityError, PhantomError
from registry.hub import HubSpec, PublishedVersion, is_hub_spec
from registry.versions import VersionSpec

if TYPE_CHECKING:
    import datasets

    from registry._types import VersionSource

LOCK_ENV = "PHANTOM_LOCK"
LOCK_VERSION = 1
LOCK_SUFFIX = ".lock"
_INTERPOLATION = re.compile(r"""\$\{phantom:\s*(?:'([^']*)'|"([^"]*)"|([^}'"]*?))\s*\}""")


@dataclass(frozen=True)
class Pin:
    """One spec of a config and the exact version it was resolved to."""

    spec: str
    source: str  # "registry" or "hub"
    name: str  # dataset name, or the Hub repo id
    version: str
    content_hash: str
    rev: str
    found_at: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "version": self.version,
            "content_hash": self.content_hash,
            "rev": self.rev,
            "found_at": list(self.found_at),
        }


@dataclass(frozen=True)
class Lock:
    """A lock file: where it is, the config it pins, and its pins by spec."""

    path: Path
    config: str
    repo: str | None = None
    pins: dict[str, Pin] = field(default_factory=dict)

    def pin(self, spec: str) -> Pin:
        """The pin of ``spec``; raises :class:`DatasetNotFound` when the lock lacks it."""
        found = self.pins.get(spec.strip())
        if found is None:
            raise DatasetNotFound(
                f"{spec!r} is not pinned in {self.path}; run 'phantom lock {self.config}' "
                "after adding it to the config"
            )
        return found


# --- finding specs ------------------------------------------------------------------------


def find_specs(config: Any) -> dict[str, list[str]]:
    """Every dataset spec in a parsed config -> the key paths where it appears (pure)."""
    found: dict[str, list[str]] = {}

    def add(spec: str, where: str) -> None:
        found.setdefault(spec.strip(), []).append(where)

    def plain(value: Any) -> bool:  # a spec written out, not an interpolation
        return isinstance(value, str) and "${" not in value and bool(value.strip())

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                here = f"{path}.{key}" if path else str(key)
                if key == "dataset" and plain(value):
                    add(value, here)
                elif key == "datasets" and isinstance(value, list):
                    for index, item in enumerate(value):
                        if plain(item):
                            add(item, f"{here}[{index}]")
                elif key == "datasets" and isinstance(value, Mapping):
                    for name, item in value.items():
                        if plain(item):
                            add(item, f"{here}.{name}")
                walk(value, here)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{path}[{index}]")
        elif isinstance(node, str):
            for match in _INTERPOLATION.finditer(node):
                add(next(group for group in match.groups() if group is not None), path)

    walk(config, "")
    return found


def read_config(path: Path) -> Any:
    """A training config parsed as YAML (JSON is YAML); raises :class:`InputError`."""
    try:
        return yaml.safe_load(Path(path).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path} is not a readable YAML config ({first})") from exc


def lock_path_for(config: Path | str) -> Path:
    """``train.yaml`` -> ``train.lock`` beside it (a ``.lock`` path is returned as is)."""
    path = Path(config)
    return path if path.suffix == LOCK_SUFFIX else path.with_suffix(LOCK_SUFFIX)


# --- locking ------------------------------------------------------------------------------


def lock_config(
    config: Path | str, *, repo: str | os.PathLike[str] | None = None, api: Any = None
) -> Lock:
    """Resolve every dataset spec of ``config`` and write ``<config>.lock`` beside it.

    ``repo`` is the registry (path or git URL) registry specs resolve in; default
    ``$PHANTOM_REGISTRY`` or the registry holding the current directory. Returns the
    :class:`Lock` written. Raises :class:`InputError` for an unreadable config or one with no
    specs, and the spec's own error (naming the key) when one does not resolve.
    """
    config_path = Path(config)
    specs = find_specs(read_config(config_path))
    if not specs:
        raise InputError(
            f"{config_path} names no dataset; expected a 'dataset:' key, a 'datasets:' list "
            "or a ${phantom:...} interpolation"
        )
    source: VersionSource | None = None
    pins: dict[str, Pin] = {}
    for spec, where in specs.items():
        try:
            if is_hub_spec(spec):
                pins[spec] = _pin_published(spec, where, api=api)
                continue
            VersionSpec.parse(spec)
            if source is None:
                from registry.remote import open_source

                source = open_source(repo)
            version = source.resolve(spec)
        except PhantomError as exc:
            raise type(exc)(f"{config_path}: {where[0]}: {exc}") from exc
        pins[spec] = Pin(
            spec,
            "registry",
            version.name,
            version.version,
            version.content_hash,
            version.rev,
            tuple(where),
        )
    lock = Lock(
        lock_path_for(config_path),
        config_path.name,
        os.fspath(repo) if repo is not None else None,
        pins,
    )
    write_lock(lock)
    return lock


def _pin_published(spec: str, where: list[str], *, api: Any) -> Pin:
    from registry.hub import resolve_published

    published = resolve_published(HubSpec.parse(spec), api=api)
    return Pin(
        spec,
        "hub",
        published.repo_id,
        published.version,
        published.content_hash,
        published.commit,
        tuple(where),
    )


def write_lock(lock: Lock) -> None:
    header = (
        f"# Written by 'phantom lock {lock.config}'; commit it with the config.\n"
        "# registry.load(spec, lock=...), the ${phantom:...} resolver and $PHANTOM_LOCK use it\n"
        "# to load exactly these versions, refusing bytes that differ from content_hash.\n"
    )
    body = {
        "lock_version": LOCK_VERSION,
        "config": lock.config,
        "repo": lock.repo,
        "datasets": {spec: pin.as_dict() for spec, pin in sorted(lock.pins.items())},
    }
    atomic_write_text(lock.path, header + yaml.safe_dump(body, sort_keys=False))


def read_lock(path: Path | str) -> Lock:
    """Read a lock file (or the lock beside a config). Raises :class:`InputError`."""
    lock_path = lock_path_for(path)
    try:
        data = yaml.safe_load(lock_path.read_text())
        if not isinstance(data, dict) or data.get("lock_version") != LOCK_VERSION:
            raise ValueError(f"expected lock_version: {LOCK_VERSION}")
        pins = {
            str(spec): Pin(
                str(spec),
                entry["source"],
                entry["name"],
                str(entry["version"]),
                entry["content_hash"],
                entry.get("rev") or "",
                tuple(entry.get("found_at") or ()),
            )
            for spec, entry in (data.get("datasets") or {}).items()
        }
    except (OSError, yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"{lock_path} is not a readable Phantom lock file ({first}); "
            "run 'phantom lock CONFIG' to write it"
        ) from exc
    return Lock(lock_path, str(data.get("config") or lock_path.name), data.get("repo"), pins)


def active_lock(lock: Lock | str | os.PathLike[str] | None) -> Lock | None:
    """The lock in force: ``lock`` (a :class:`Lock` or a path), else ``$PHANTOM_LOCK``."""
    if isinstance(lock, Lock):
        return lock
    if lock is not None:
        return read_lock(Path(lock))
    named = os.environ.get(LOCK_ENV)
    return read_lock(Path(named)) if named else None


# --- loading ------------------------------------------------------------------------------


def locate(
    spec: str,
    *,
    source: VersionSource | None = None,
    repo: str | os.PathLike[str] | None = None,
    lock: Lock | str | os.PathLike[str] | None = None,
    api: Any = None,
) -> Path:
    """A verified local folder holding the version ``spec`` names (honouring a lock).

    ``source`` is a registry object (with ``resolve``/``fetch``); default: the one ``repo``
    (or the lock's recorded repo) names. ``hf://`` specs are fetched from the Hub.
    Raises :class:`DatasetNotFound` and :class:`IntegrityError`.
    """
    spec = str(spec).strip()
    pins = active_lock(lock)
    if pins is not None:
        return _locate_pinned(pins, pins.pin(spec), source=source, repo=repo, api=api)
    if is_hub_spec(spec):
        from registry.hub import fetch_published, resolve_published

        return fetch_published(resolve_published(spec, api=api), api=api)
    source = source if source is not None else _open(repo)
    return source.fetch(source.resolve(spec))


def _locate_pinned(
    lock: Lock, pin: Pin, *, source: VersionSource | None, repo: Any, api: Any
) -> Path:
    if pin.source == "hub":
        from registry.hub import fetch_published

        published = PublishedVersion(pin.name, pin.version, pin.rev, pin.content_hash)
        return fetch_published(published, api=api)
    source = source if source is not None else _open(repo if repo is not None else lock.repo)
    version = source.resolve(f"{pin.name}@{pin.version}")
    if version.content_hash != pin.content_hash:
        raise IntegrityError(
            f"{version.tag} is now {version.content_hash[:19]}…, but {lock.path.name} pins "
            f"{pin.content_hash[:19]}… for {pin.spec!r}; find out why the release changed, "
            f"then run 'phantom lock {lock.config}' again"
        )
    return source.fetch(version)


def _open(repo: Any) -> VersionSource:
    from registry.remote import open_source

    return open_source(repo)


def load(
    spec: str,
    *,
    repo: str | os.PathLike[str] | None = None,
    lock: Lock | str | os.PathLike[str] | None = None,
    api: Any = None,
    table: str | None = None,
) -> datasets.DatasetDict:
    """:func:`locate`, then open the folder with ``datasets.load_dataset``; ``table`` (or a
    ``name@1.0.0/<table>`` spec) picks one table of a linked-tables version."""
    from registry.folders import load_folder, split_table_spec

    spec, table = split_table_spec(spec, table)
    return load_folder(locate(spec, repo=repo, lock=lock, api=api), table=table)


def describe(lock: Lock) -> list[str]:
    """One line per pin, for the CLI: ``spec -> name@version (hash)``."""
    return [
        f"{spec} -> {pin.name}@{pin.version} ({pin.content_hash[:19]}…)"
        for spec, pin in sorted(lock.pins.items())
    ]


__all__ = [
    "LOCK_ENV",
    "Lock",
    "Pin",
    "active_lock",
    "describe",
    "find_specs",
    "load",
    "locate",
    "lock_config",
    "lock_path_for",
    "read_config",
    "read_lock",
    "write_lock",
]

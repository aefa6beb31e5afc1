"""Registry settings: the shared policy in ``phantom.yaml``, a person's own in git config.

What every clone must agree on is committed with the registry, in ``phantom.yaml`` at its
root (absent means all defaults)::

    signing:
      required: true                # publish and verify refuse unsigned versions
      allowed_signers: allowed_signers   # the trusted keys (ssh-keygen's format), committed
    executor:
      name: ray                     # who samples every build's shards: local or ray
      address: ray://head:10001     # the Ray cluster (default RAY_ADDRESS, else a local one)

What belongs to one person (the private key that signs) never goes into a committed file: it
is read from ``$PHANTOM_SIGNING_KEY``, else git config ``phantom.signingKey`` (the registry's
``.git/config``, or ``--global``), the way git itself keeps ``user.signingKey``.

``phantom config <key> [<value>]`` reads and writes both; the key decides where a value goes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registry._files import atomic_write_text
from registry._git import git
from registry.errors import RegistryError

SETTINGS_FILE = "phantom.yaml"
SIGNING_KEY_ENV = "PHANTOM_SIGNING_KEY"
SIGNING_KEY_GIT = "phantom.signingKey"


class SigningSettings(BaseModel):
    """The ``signing`` section of ``phantom.yaml``."""

    model_config = ConfigDict(extra="forbid")

    required: bool = Field(
        False, description="Refuse to publish (and fail verify on) a version that is not signed."
    )
    allowed_signers: str = Field(
        "allowed_signers",
        description="The committed file of trusted keys (ssh-keygen ALLOWED SIGNERS format).",
    )


class ExecutorSettings(BaseModel):
    """The ``executor`` section of ``phantom.yaml``: where builds sample their shards, for
    everyone who builds here (``--executor``/``--address`` and ``$PHANTOM_EXECUTOR`` win)."""

    model_config = ConfigDict(extra="forbid")

    name: Literal["local", "ray"] = Field(
        "local", description="local (this process) or ray (one Ray task per shard)."
    )
    address: str | None = Field(
        None,
        description="The Ray cluster, e.g. ray://head:10001 (default: RAY_ADDRESS, else a "
        "local Ray runtime).",
    )


class Settings(BaseModel):
    """``phantom.yaml``: the policy every clone of a registry shares."""

    model_config = ConfigDict(extra="forbid")

    signing: SigningSettings = SigningSettings()
    executor: ExecutorSettings = ExecutorSettings()


#: ``phantom config`` keys: where each lives ("shared": phantom.yaml; "personal": git config).
KEYS = {
    "signing.key": "personal",
    "signing.required": "shared",
    "signing.allowed_signers": "shared",
    "executor.name": "shared",
    "executor.address": "shared",
}


def load_settings(root: Path) -> Settings:
    """The registry's ``phantom.yaml`` (defaults when absent); raises :class:`RegistryError`
    naming the file and field when it is malformed."""
    path = root / SETTINGS_FILE
    if not path.is_file():
        return Settings()
    try:
        data = yaml.safe_load(path.read_text()) or {}
        return Settings.model_validate(data)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML ({exc})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RegistryError(f"{path}: {where}: {first['msg']}") from exc


def signing_key(root: Path) -> Path | None:
    """The private key that signs manifests here: ``$PHANTOM_SIGNING_KEY``, else git config
    ``phantom.signingKey``; None when neither is set."""
    import os

    value = (
        os.environ.get(SIGNING_KEY_ENV)
        or git(root, "config", "--get", SIGNING_KEY_GIT, check=False).strip()
    )
    return Path(value).expanduser() if value else None


def get_setting(root: Path, key: str) -> str | None:
    """The value of a ``phantom config`` key as text (None when unset)."""
    _check_key(key)
    if key == "signing.key":
        found = signing_key(root)
        return None if found is None else str(found)
    section, name = key.split(".", 1)
    value = getattr(getattr(load_settings(root), section), name)
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def set_setting(root: Path, key: str, value: str) -> str:
    """Set a ``phantom config`` key; returns where it was written (a file or git config).

    Raises :class:`RegistryError` for an unknown key or a value of the wrong type.
    """
    _check_key(key)
    if key == "signing.key":
        path = Path(value).expanduser()
        git(root, "config", SIGNING_KEY_GIT, str(path.resolve()))
        return f"git config {SIGNING_KEY_GIT}"
    path = root / SETTINGS_FILE
    data = (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}
    section, name = key.split(".", 1)
    data.setdefault(section, {})[name] = yaml.safe_load(value)
    try:
        Settings.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(
            f"phantom config {key}: {value!r} is not valid ({exc.errors()[0]['msg']})"
        ) from exc
    atomic_write_text(path, yaml.safe_dump(data, sort_keys=False))
    return SETTINGS_FILE


def _check_key(key: str) -> None:
    if key not in KEYS:
        raise RegistryError(f"unknown setting {key!r}; expected one of {', '.join(KEYS)}")


__all__ = [
    "KEYS",
    "SETTINGS_FILE",
    "SIGNING_KEY_ENV",
    "ExecutorSettings",
    "Settings",
    "SigningSettings",
    "get_setting",
    "load_settings",
    "set_setting",
    "signing_key",
]

"""Phantom's error family.

Every error a user can cause is a :class:`PhantomError` carrying one sentence that names the
thing and the next step. The CLI prints it as ``error: <message>`` and exits 2; anything else
is a bug and is allowed to raise with a traceback.

    PhantomError
    ├── RecipeError(ValueError)         a recipe file is missing, malformed or invalid
    ├── SeedError(ValueError)           a recipe's seed cannot be read
    ├── InputError(ValueError)          a data file given to a command cannot be read
    ├── GeneratorError                  a generator failed to fit or sample
    ├── ExecutorError                   the executor of a build (Ray) is missing or failed
    ├── DatasetNotFound(LookupError)    no dataset or version matches a spec
    ├── VersionSpecError(ValueError)    a spec string does not follow the grammar
    ├── RegistryError                   no registry here, or it is in the wrong state
    ├── ReleaseError                    a release was refused
    ├── IntegrityError                  bytes on disk differ from the manifest (or its signature)
    ├── SigningError                    no signing key, an unusable one, or a signer not trusted
    ├── CatalogError                    a catalog query failed
    ├── PublishError                    publishing to the Hub failed or was refused
    └── QualityGateFailed               a version missed one of its quality gates
"""

from __future__ import annotations


class PhantomError(Exception):
    """Base of every error Phantom raises on purpose; the message must not be empty."""

    def __init__(self, message: str) -> None:
        if not message:
            raise ValueError("a PhantomError needs a message")
        super().__init__(message)


class RecipeError(PhantomError, ValueError):
    """A recipe is missing, is not valid YAML, or does not match the recipe model."""


class SeedError(PhantomError, ValueError):
    """A recipe's seed source cannot be found or read."""


class InputError(PhantomError, ValueError):
    """A data file given to a command (``phantom score --real x.csv``) cannot be read."""


class GeneratorError(PhantomError):
    """A generator could not fit its seed or sample rows."""


class ExecutorError(PhantomError):
    """The executor that samples a build's shards (Ray) is not installed, unreachable, or lost
    a task for good."""


class DatasetNotFound(PhantomError, LookupError):
    """No dataset, or no version of it, matches a spec."""


class VersionSpecError(PhantomError, ValueError):
    """A version spec does not follow the grammar ``name[@version|@range|@sha256:hex]``."""


class RegistryError(PhantomError):
    """There is no registry where one was expected, or it is not in the state a command needs."""


class ReleaseError(PhantomError):
    """A release was refused: uncommitted work, stale data, or a conflicting version."""


class IntegrityError(PhantomError):
    """A dataset file's bytes differ from the sha256 recorded in its manifest."""


class SigningError(PhantomError):
    """A manifest cannot be signed or its signature checked: the key is missing or unusable,
    the signer is not in the registry's allowed signers, or ``ssh-keygen`` is absent."""


class CatalogError(PhantomError):
    """A catalog query failed."""


class PublishError(PhantomError):
    """Publishing to the Hub failed or was refused."""


class QualityGateFailed(PhantomError):
    """A materialized version missed one or more of its recipe's quality gates."""

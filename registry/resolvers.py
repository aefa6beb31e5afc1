"""OmegaConf resolvers: ``${phantom:SPEC}`` in a Hydra/OmegaConf config -> a local path.

After :func:`register_resolvers`, a config value ``${phantom:fraud@1.2.0}`` resolves to the
verified local folder of that version (``datasets.load_dataset(path)`` opens it), fetched the
way :func:`registry.load` fetches. OmegaConf's grammar does not allow ``^`` or ``~`` unquoted,
so write ranges quoted: ``train_data: ${phantom:'fraud@^1.2'}``. Under a lock (``lock=`` or
``$PHANTOM_LOCK``, see :mod:`registry.pins`) the pinned version is used and its bytes checked.
"""

from __future__ import annotations

import os

RESOLVER = "phantom"


def register_resolvers(
    *,
    repo: str | os.PathLike[str] | None = None,
    lock: str | os.PathLike[str] | None = None,
) -> None:
    """Register the ``phantom`` resolver with OmegaConf (again: replaces the earlier one).

    ``repo`` is the registry specs resolve in (default: ``$PHANTOM_REGISTRY`` or the current
    directory's), ``lock`` a lock file or its config. Resolving raises
    :class:`DatasetNotFound` or :class:`IntegrityError` as :func:`registry.load` does.
    """
    from omegaconf import OmegaConf

    def phantom(spec: object) -> str:
        from registry.pins import locate

        return os.fspath(locate(str(spec), repo=repo, lock=lock))

    OmegaConf.register_new_resolver(RESOLVER, phantom, replace=True)


__all__ = ["RESOLVER", "register_resolvers"]

"""``python -m registry.cli``: the same as the ``phantom`` script."""

from registry.cli import main

main()

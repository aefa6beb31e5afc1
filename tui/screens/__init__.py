"""The screens of the Phantom TUI; each talks to the Registry through :mod:`registry.browse`."""

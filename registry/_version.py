"""Phantom's own version, in a module of its own so the library can record it in manifests
without importing the package's public surface (and with it the facade)."""

__version__ = "0.1.0"

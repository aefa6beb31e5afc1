"""Signed manifests: ``manifest.json.sig`` beside ``manifest.json``, in git's own SSH format.

Why ``ssh-keygen -Y`` and not raw Ed25519 through ``cryptography``: the keys people already
have (``~/.ssh/id_ed25519``, an agent, a hardware key) sign as they are; the signature is
the armored SSHSIG format that ``git commit -S`` with ``gpg.format=ssh`` writes, scoped to
the namespace ``phantom`` so it cannot be replayed as a git or file signature; and trust is
an ``allowed_signers`` file (``ssh-keygen(1)`` ALLOWED SIGNERS) committed with the registry,
so who may sign a version is reviewed like any other change. Anyone can check a version with
OpenSSH alone::

    ssh-keygen -Y verify -f allowed_signers -I <principal> -n phantom \\
        -s data/<name>/manifest.json.sig < data/<name>/manifest.json

The manifest lists every file's sha256 and the content hash, so signing it signs every byte.
The signature sits outside the content hash (as ``model_files`` do for their reason): a
version's content hash is the same signed or not, and signing changes no pin.

Settings (:mod:`registry.settings`): the key is ``$PHANTOM_SIGNING_KEY`` or git config
``phantom.signingKey``; ``phantom.yaml`` says whether signatures are ``required`` and where
``allowed_signers`` is. Needs OpenSSH 8.2+ (``ssh-keygen -Y``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from registry.errors import IntegrityError, SigningError
from registry.folders import MANIFEST, SIGNATURE
from registry.settings import load_settings, signing_key

NAMESPACE = "phantom"
_FINGERPRINT = re.compile(r"(SHA256:[A-Za-z0-9+/=]+)")
_PUBLIC_KEY = re.compile(r"^(ssh-|ecdsa-|sk-)[\w@.-]+ [A-Za-z0-9+/=]+")


@dataclass(frozen=True)
class SignatureCheck:
    """What checking a version folder's signature found."""

    signed: bool
    principal: str | None = None  # who signed, as allowed_signers names them
    fingerprint: str | None = None  # the signing key's SHA256 fingerprint

    def describe(self) -> str:
        if not self.signed:
            return "not signed"
        return f"signed by {self.principal} ({self.fingerprint})"


def _ssh_keygen(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    exe = shutil.which("ssh-keygen")
    if exe is None:
        raise SigningError(
            "ssh-keygen is not installed; install OpenSSH 8.2 or newer to sign and verify"
        )
    return subprocess.run(
        [exe, *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )


def _reason(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = (result.stderr or result.stdout).decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"exit code {result.returncode}"


def build_key(root: Path) -> Path | None:
    """The key a build in ``root`` signs with, checked before any work; None when unsigned.

    Raises :class:`SigningError` when the configured key does not exist, or when
    ``phantom.yaml`` requires signatures and no key is set.
    """
    key = signing_key(root)
    if key is None:
        if load_settings(root).signing.required:
            raise SigningError(
                "phantom.yaml requires signed versions but no signing key is set; run "
                "'phantom config signing.key ~/.ssh/id_ed25519' or set PHANTOM_SIGNING_KEY"
            )
        return None
    if not key.is_file():
        raise SigningError(
            f"signing key {key} does not exist; run 'phantom config signing.key <private key>' "
            "or set PHANTOM_SIGNING_KEY"
        )
    return key


def sign_manifest(folder: Path, key: Path) -> Path:
    """Sign ``folder/manifest.json`` with ``key``; returns ``folder/manifest.json.sig``.

    Raises :class:`SigningError` when ssh-keygen cannot use the key (not a private key, or
    protected by a passphrase with no agent holding it).
    """
    signature = folder / SIGNATURE
    signature.unlink(missing_ok=True)
    result = _ssh_keygen("-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(folder / MANIFEST))
    if result.returncode != 0 or not signature.is_file():
        raise SigningError(
            f"cannot sign with {key}: {_reason(result)}; expected an SSH private key "
            "(a passphrase-protected one must be loaded in ssh-agent)"
        )
    return signature


def check_signature(folder: Path, root: Path, *, required: bool | None = None) -> SignatureCheck:
    """Check ``folder``'s manifest signature against the registry's ``allowed_signers``.

    ``required`` (default: ``phantom.yaml``'s ``signing.required``) makes a missing signature
    an error. Raises :class:`IntegrityError` when the manifest does not match its signature
    or an unsigned version is refused, and :class:`SigningError` when the signer is not
    trusted or there is no allowed_signers file.
    """
    settings = load_settings(root).signing
    required = settings.required if required is None else required
    signature, manifest = folder / SIGNATURE, folder / MANIFEST
    if not signature.is_file():
        if required:
            raise IntegrityError(
                f"{signature} is missing: the version is not signed and phantom.yaml requires "
                "signatures; rebuild it with a signing key set ('phantom config signing.key')"
            )
        return SignatureCheck(signed=False)
    data = manifest.read_bytes()
    valid = _ssh_keygen("-Y", "check-novalidate", "-n", NAMESPACE, "-s", str(signature), stdin=data)
    if valid.returncode != 0:
        raise IntegrityError(
            f"{manifest} does not match its signature {SIGNATURE} (changed after signing, or "
            "the signature is damaged)"
        )
    found = _FINGERPRINT.search(valid.stdout.decode() + valid.stderr.decode())
    fingerprint = found.group(1) if found else "unknown key"
    allowed = root / settings.allowed_signers
    if not allowed.is_file():
        raise SigningError(
            f"{allowed} does not exist, so no signer is trusted; add the signer's key with "
            f"'phantom trust <key.pub> --as <name>' (it was signed with {fingerprint})"
        )
    who = _ssh_keygen("-Y", "find-principals", "-s", str(signature), "-f", str(allowed))
    principals = who.stdout.decode().split()
    if who.returncode != 0 or not principals:
        raise SigningError(
            f"{signature} was signed with {fingerprint}, a key {allowed.name} does not trust; "
            f"add it with 'phantom trust <key.pub> --as <name>' if you trust it"
        )
    principal = principals[0]
    checked = _ssh_keygen(
        "-Y", "verify", "-f", str(allowed), "-I", principal, "-n", NAMESPACE,
        "-s", str(signature), stdin=data,
    )  # fmt: skip
    if checked.returncode != 0:
        raise SigningError(
            f"{signature}: the key of {principal} is not valid for namespace {NAMESPACE!r} in "
            f"{allowed.name} ({_reason(checked)})"
        )
    return SignatureCheck(signed=True, principal=principal, fingerprint=fingerprint)


def public_key(key: Path) -> str:
    """The ``<type> <base64>`` public key of ``key`` (a ``.pub`` file, or a private key that
    ssh-keygen can read); raises :class:`SigningError`."""
    if not key.is_file():
        raise SigningError(f"{key} does not exist; expected an SSH public key (.pub)")
    text = key.read_text(errors="replace").strip()
    if not _PUBLIC_KEY.match(text):
        result = _ssh_keygen("-y", "-f", str(key))
        text = result.stdout.decode().strip()
        if result.returncode != 0 or not _PUBLIC_KEY.match(text):
            raise SigningError(f"{key} is not an SSH key ({_reason(result)})")
    return " ".join(text.split()[:2])


def trust_key(root: Path, key: Path, principal: str) -> Path:
    """Add ``key`` (public, or the private key it derives from) to the registry's
    ``allowed_signers`` as ``principal``, for the ``phantom`` namespace; returns the file.
    Idempotent. Commit the file: it is the registry's list of who may sign."""
    if not re.fullmatch(r"[^\s,\"*?!]+", principal):
        raise SigningError(
            f"principal {principal!r}: expected a name without spaces, e.g. an email"
        )
    line = f'{principal} namespaces="{NAMESPACE}" {public_key(key)}'
    allowed = root / load_settings(root).signing.allowed_signers
    lines = allowed.read_text().splitlines() if allowed.is_file() else []
    if line not in lines:
        allowed.write_text("\n".join([*lines, line]) + "\n")
    return allowed


__all__ = [
    "NAMESPACE",
    "SignatureCheck",
    "build_key",
    "check_signature",
    "public_key",
    "sign_manifest",
    "trust_key",
]

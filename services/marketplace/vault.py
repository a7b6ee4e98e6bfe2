"""Marketplace credentials sealed at rest (Fernet: AES-128-CBC with an HMAC-SHA256 tag).

The key comes from MARKETPLACE_CREDENTIALS_KEY; without it, from a key generated once and kept
in a file that only its owner can read (the sandbox's and a first try's default). Sealed values
carry no hint of what they hold, and nothing here logs or repeats a credential.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class CredentialsUnreadable(Exception):
    """The sealed credentials do not open with this key (the key was changed or lost)."""


class CredentialVault:
    def __init__(self, key: bytes | str) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as error:
            raise ValueError(
                "MARKETPLACE_CREDENTIALS_KEY must be a Fernet key: 32 url-safe base64-encoded bytes"
            ) from error

    def __repr__(self) -> str:
        return "CredentialVault(key=***)"

    def seal(self, credentials: dict[str, str]) -> bytes:
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode())

    def open(self, sealed: bytes) -> dict[str, str]:
        try:
            values = json.loads(self._fernet.decrypt(sealed))
        except (InvalidToken, ValueError):
            raise CredentialsUnreadable(
                "stored marketplace credentials do not open with the current key"
            ) from None
        return {str(name): str(value) for name, value in values.items()}


def load_or_create_key(path: Path) -> bytes:
    """The key kept at `path`, generated (readable by the owner only) on first use."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it just now: use theirs
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as file:
        file.write(key + b"\n")
    return key

"""Model blobs sealed with an HMAC: whoever can write the store or the MLflow
registry cannot make a matchflow process unpickle code of their own.

The writer seals each pickled league state (``league_state`` rows, registry
snapshots) with a key only the writer and the API hold; a reader checks the
seal before it unpickles. The key is ``MATCHFLOW_STATE_KEY``; without it, a
key generated once per user in ``MATCHFLOW_STATE_KEY_FILE``
(``~/.config/matchflow/state.key``, mode 600).

>>> key = b"k" * 32
>>> blob = seal(b"payload", key)
>>> unseal(blob, key)
b'payload'
>>> unseal(blob[:-1] + b"P", key)
Traceback (most recent call last):
...
models.sealing.TamperedBlob: model state: the seal does not match (written with another key, or altered)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MAGIC = b"MFS1"
_DIGEST = hashlib.sha256().digest_size


class TamperedBlob(ValueError):
    """A blob without a valid seal: never unpickled."""


def seal(payload: bytes, key: bytes) -> bytes:
    return MAGIC + hmac.digest(key, payload, "sha256") + payload


def unseal(blob: bytes, key: bytes) -> bytes:
    """The payload of a sealed blob, or :class:`TamperedBlob`."""
    if not blob.startswith(MAGIC):
        raise TamperedBlob(
            "model state: not sealed (written by an older matchflow, or "
            "not by matchflow); replay or run again to rewrite it"
        )
    tag, payload = blob[len(MAGIC) : len(MAGIC) + _DIGEST], blob[len(MAGIC) + _DIGEST :]
    if not hmac.compare_digest(tag, hmac.digest(key, payload, "sha256")):
        raise TamperedBlob(
            "model state: the seal does not match (written with another key, or altered)"
        )
    return payload


def sealed_pickle(value: Any, key: bytes) -> bytes:
    return seal(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), key)


def load_sealed(blob: bytes, key: bytes) -> Any:
    """Unpickle a sealed blob, after its seal checks out."""
    return pickle.loads(unseal(bytes(blob), key))


class SealingSettings(BaseSettings):
    """The sealing key's settings: ``MATCHFLOW_STATE_KEY``, else the key file
    ``MATCHFLOW_STATE_KEY_FILE`` (part of :class:`stream.config.Settings`; the
    MLflow pyfunc, which runs without the rest of matchflow, builds these alone)."""

    model_config = SettingsConfigDict(env_prefix="MATCHFLOW_", extra="ignore")

    state_key: SecretStr | None = None  # seals pickled model state
    state_key_file: Path = Path("~/.config/matchflow/state.key")  # used without state_key

    def sealing_key(self) -> bytes:
        secret = self.state_key.get_secret_value() if self.state_key else None
        return state_key(secret, self.state_key_file)


def state_key(secret: str | None, key_file: Path) -> bytes:
    """The sealing key: ``secret`` when given, else the key file's (created
    with a random key on first use, readable by its owner only)."""
    if secret:
        return secret.encode()
    key_file = key_file.expanduser()
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()

"""Sealed model blobs: a blob is unpickled only when its HMAC matches."""

from __future__ import annotations

import pickle
import stat

import pytest

from models.sealing import (
    SealingSettings,
    TamperedBlob,
    load_sealed,
    seal,
    sealed_pickle,
    state_key,
)

OPENED: list[str] = []


class Payload:
    """Unpickling this runs code: what a forged blob would do."""

    def __reduce__(self):
        return (OPENED.append, ("unpickled",))


def test_a_sealed_blob_round_trips():
    assert load_sealed(sealed_pickle({"a": 1}, b"key"), b"key") == {"a": 1}


@pytest.mark.parametrize(
    "forge",
    [
        lambda blob: pickle.dumps(Payload()),  # never sealed
        lambda blob: seal(pickle.dumps(Payload()), b"attacker's key"),  # another key
        lambda blob: blob[:-5] + bytes([blob[-5] ^ 1]) + blob[-4:],  # one bit flipped
    ],
)
def test_a_forged_blob_is_refused_before_unpickling(forge):
    OPENED.clear()
    blob = forge(sealed_pickle(Payload(), b"our key"))
    with pytest.raises(TamperedBlob):
        load_sealed(blob, b"our key")
    assert OPENED == []


def test_the_key_file_is_made_once_for_its_owner_only(tmp_path):
    key_file = tmp_path / "conf" / "state.key"
    first = state_key(None, key_file)
    assert len(first) == 64 and state_key(None, key_file) == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert state_key("given", key_file) == b"given"


def test_the_settings_name_the_key(monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHFLOW_STATE_KEY", "from-env")
    assert SealingSettings().sealing_key() == b"from-env"
    monkeypatch.delenv("MATCHFLOW_STATE_KEY")
    monkeypatch.setenv("MATCHFLOW_STATE_KEY_FILE", str(tmp_path / "k"))
    assert SealingSettings().sealing_key() == (tmp_path / "k").read_text().encode()

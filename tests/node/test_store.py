"""The secure store: encrypted at rest, keyed lookups, clear failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from msin_fed.node.keys import KeyFile, Passphrase, write_key_file
from msin_fed.node.store import SecureStore

from msin_fed.errors import ConfigError, CorruptStoreError, StoreError, ValidationError, WrongKeyError
from msin_fed.model import Email, Phone, VehicleRegistration

from .conftest import (
    DOB,
    EMAIL,
    FAST_KDF,
    NAME,
    NINO,
    PHONE,
    PLATE,
    POSTCODE,
    REPORTER,
    STREET,
    make_report,
)

PASS = Passphrase("correct horse battery staple")


def _variants(value: str) -> set[bytes]:
    compact = re.sub(r"[\s\-./]", "", value)
    forms = {value, value.lower(), value.upper(), compact, compact.lower(), compact.upper()}
    if value == PHONE:
        forms |= {"+447700900123", "447700900123", "7700900123"}
    return {f.encode() for f in forms} | {f.encode("utf-16-le") for f in forms}


def test_round_trip_and_lookup(store_path: Path) -> None:
    store = SecureStore.create(store_path, PASS, kdf=FAST_KDF)
    report = make_report("R1")
    store.add_reports([report, make_report("R2", phone="07700 900999")])
    assert store.get_report("R1") == report
    assert [r.report_id for r in store.reports()] == ["R1", "R2"]
    # Lookups go through normalized forms: another spelling of the phone finds it.
    assert store.find(Phone("+44 7700 900123")) == ["R1"]
    assert store.find(Email(EMAIL.upper())) == ["R1", "R2"]
    assert store.find(VehicleRegistration("ab12cde")) == ["R1", "R2"]
    assert store.find(Phone("07700 900000")) == []
    store.close()
    again = SecureStore.open(store_path, PASS)
    assert again.get_report("R2").mentions[0].phone == Phone("07700 900999")
    again.close()


def test_raw_file_holds_no_planted_identifier(store_path: Path) -> None:
    store = SecureStore.create(store_path, PASS, kdf=FAST_KDF)
    store.add_reports([make_report("R1")])
    store.get_report("R1")
    store.close()
    raw = store_path.read_bytes()
    for value in (PHONE, EMAIL, PLATE, NINO, *NAME, DOB, STREET, POSTCODE, REPORTER, "drives workers"):
        for form in _variants(value):
            assert form not in raw, f"planted {value[:2]}... found in the raw store"


def test_duplicate_report_rejected_atomically(store_path: Path) -> None:
    store = SecureStore.create(store_path, PASS, kdf=FAST_KDF)
    store.add_reports([make_report("R1")])
    with pytest.raises(ValidationError):
        store.add_reports([make_report("R2"), make_report("R1")])
    assert [r.report_id for r in store.reports()] == ["R1"]


def test_wrong_passphrase_fails_clearly_without_touching_data(store_path: Path) -> None:
    SecureStore.create(store_path, PASS, kdf=FAST_KDF).close()
    before = store_path.read_bytes()
    with pytest.raises(WrongKeyError, match="passphrase given does not open"):
        SecureStore.open(store_path, Passphrase("not the passphrase"))
    assert store_path.read_bytes() == before


def test_key_file_store(tmp_path: Path) -> None:
    key = write_key_file(tmp_path / "node.key")
    assert (key.path.stat().st_mode & 0o777) == 0o600
    store = SecureStore.create(tmp_path / "n.db", key)
    store.add_reports([make_report()])
    store.close()
    assert SecureStore.open(tmp_path / "n.db", KeyFile(key.path)).has_report("R1")
    other = write_key_file(tmp_path / "other.key")
    with pytest.raises(WrongKeyError, match="key file given does not open"):
        SecureStore.open(tmp_path / "n.db", other)
    with pytest.raises(WrongKeyError, match="key file, not a passphrase"):
        SecureStore.open(tmp_path / "n.db", PASS)


def test_missing_key_file(tmp_path: Path) -> None:
    key = write_key_file(tmp_path / "node.key")
    SecureStore.create(tmp_path / "n.db", key).close()
    key.path.unlink()
    with pytest.raises(ConfigError, match="key file not found"):
        SecureStore.open(tmp_path / "n.db", KeyFile(key.path))


def test_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no node store"):
        SecureStore.open(tmp_path / "absent.db", PASS)


@pytest.mark.parametrize("where", ["header", "middle"])
def test_corrupt_file_fails_clearly(store_path: Path, where: str) -> None:
    store = SecureStore.create(store_path, PASS, kdf=FAST_KDF)
    store.add_reports([make_report(f"R{i}") for i in range(20)])
    store.close()
    raw = bytearray(store_path.read_bytes())
    if where == "header":
        raw[0:100] = b"\xff" * 100
    else:
        start = len(raw) // 2
        raw[start : start + 4096] = b"\x00" * 4096
    store_path.write_bytes(bytes(raw))
    with pytest.raises(CorruptStoreError, match=r"damaged|not a node store"):
        store = SecureStore.open(store_path, PASS)
        list(store.reports())


def test_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello " * 1000)
    with pytest.raises(CorruptStoreError, match="not a node store"):
        SecureStore.open(path, PASS)


def test_moved_box_is_detected(store_path: Path) -> None:
    import sqlite3

    store = SecureStore.create(store_path, PASS, kdf=FAST_KDF)
    store.add_reports([make_report("R1"), make_report("R2")])
    store.close()
    conn = sqlite3.connect(store_path)
    (box,) = conn.execute("SELECT data FROM reports ORDER BY seq LIMIT 1").fetchone()
    conn.execute("UPDATE reports SET data = ? WHERE seq = 2", (box,))
    conn.commit()
    conn.close()
    store = SecureStore.open(store_path, PASS)
    with pytest.raises(CorruptStoreError, match="fails authentication"):
        store.get_report("R2")

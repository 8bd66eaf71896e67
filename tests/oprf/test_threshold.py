"""Shamir dealing and Lagrange combination in the exponent give the single-key token."""

from __future__ import annotations

import itertools
import json
import stat
from pathlib import Path

import pytest

from msin_fed import oprf, threshold
from msin_fed.errors import ConfigError, ValidationError
from msin_fed.oprf import _group as G
from msin_fed.tokenizer import LocalTokenizer, MemoryTokenCache, cache_key

SK, PK = oprf.derive_key_pair(b"\x07" * 32, b"msin test")


@pytest.mark.parametrize(("t", "n"), [(1, 1), (2, 3), (3, 5), (4, 4)])
def test_any_t_shares_give_the_single_key_token(t: int, n: int) -> None:
    dealing = threshold.deal(t, n, epoch=3, secret=SK)
    dealing.public.check()
    assert dealing.public.group_public_key == PK
    x = b"phone:+447700900123"
    _, blinded = oprf.blind(x)
    single = oprf.blind_evaluate(SK, blinded)
    for subset in itertools.combinations(dealing.shares, t):
        evaluations = {s.index: oprf.blind_evaluate(s.secret, blinded) for s in subset}
        assert threshold.combine_in_exponent(evaluations) == single
        assert threshold.recover_secret(subset) == SK


def test_fewer_than_t_shares_do_not_give_the_token() -> None:
    dealing = threshold.deal(3, 5, epoch=1, secret=SK)
    _, blinded = oprf.blind(b"x")
    two = {s.index: oprf.blind_evaluate(s.secret, blinded) for s in dealing.shares[:2]}
    assert threshold.combine_in_exponent(two) != oprf.blind_evaluate(SK, blinded)


def test_fresh_dealings_use_fresh_keys() -> None:
    a = threshold.deal(2, 3, epoch=1)
    b = threshold.deal(2, 3, epoch=2)
    assert a.public.group_public_key != b.public.group_public_key
    assert "secret" not in repr(a.shares[0]) and a.shares[0].secret.hex() not in repr(a)


def test_inconsistent_public_shares_are_detected() -> None:
    dealing = threshold.deal(2, 3, epoch=1)
    shares = dict(dealing.public.public_shares)
    shares[3] = G.scalar_mult_gen(G.random_scalar())
    bad = threshold.PublicDealing(1, 2, 3, dealing.public.group_public_key, shares)
    with pytest.raises(ValidationError, match="share 3"):
        bad.check()


def test_dealing_files_round_trip(tmp_path: Path) -> None:
    dealing = threshold.deal(2, 3, epoch=5, secret=SK)
    paths = threshold.write_dealing(dealing, tmp_path)
    assert {p.name for p in paths} == {
        "public.json", "holder-1.share.json", "holder-2.share.json", "holder-3.share.json"
    }
    assert stat.S_IMODE((tmp_path / "holder-1.share.json").stat().st_mode) == 0o600
    assert SK.hex() not in (tmp_path / "public.json").read_text()
    share = threshold.load_share(tmp_path / "holder-2.share.json")
    assert share.index == 2 and share.epoch == 5 and share.secret == dealing.shares[1].secret
    assert threshold.load_public(tmp_path / "public.json") == dealing.public
    with pytest.raises(FileExistsError):
        threshold.write_dealing(dealing, tmp_path)


def test_tampered_share_file_is_refused(tmp_path: Path) -> None:
    dealing = threshold.deal(2, 3, epoch=1)
    threshold.write_dealing(dealing, tmp_path)
    path = tmp_path / "holder-1.share.json"
    data = json.loads(path.read_text())
    data["secret_share"] = dealing.shares[1].secret.hex()
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="does not match its public share"):
        threshold.load_share(path)
    (tmp_path / "junk.json").write_text("[1]")
    with pytest.raises(ConfigError):
        threshold.load_share(tmp_path / "junk.json")


@pytest.mark.parametrize(("t", "n"), [(0, 3), (4, 3), (1, 0), (2, 256)])
def test_bad_dealing_shapes(t: int, n: int) -> None:
    with pytest.raises(ValidationError):
        threshold.deal(t, n, epoch=1)


def test_local_tokenizer_matches_evaluate() -> None:
    tok = LocalTokenizer(SK, epoch=4)
    assert tok.epoch == 4
    assert tok.tokenize([b"a", b"b", b"a"]) == [oprf.evaluate(SK, x) for x in (b"a", b"b", b"a")]
    with pytest.raises(ValidationError):
        tok.tokenize(["text"])  # type: ignore[list-item]


def test_memory_cache_keys_by_epoch() -> None:
    cache = MemoryTokenCache(max_entries=2)
    cache.put_many({cache_key(1, b"a"): b"1" * 64, cache_key(2, b"a"): b"2" * 64})
    assert cache.get_many([cache_key(1, b"a")]) == {cache_key(1, b"a"): b"1" * 64}
    cache.put_many({cache_key(3, b"a"): b"3" * 64})
    assert len(cache) == 2 and cache.get_many([cache_key(1, b"a")]) == {}

"""Key holders as real processes: any two of three give the same tokens; a holder that is
down or lies is routed around, and a liar is caught by its proof and named."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from msin_fed import oprf
from msin_fed.demo.network import LocalNetwork
from msin_fed.demo.processes import Process, wait_serving
from msin_fed.errors import InvalidProof
from msin_fed.threshold import load_public, load_share, recover_secret
from msin_fed.tokenizer import HolderEndpoint, Tokenizer

pytestmark = pytest.mark.slow

INPUTS = [b"phone:+447700900123", b"vehicle:WU17KHT", b"email:jobs.eastfield@example.net"]
ROGUE = Path(__file__).with_name("rogue_keyholder.py")


def _expected(net: LocalNetwork) -> list[bytes]:
    # The whole key exists nowhere in the network; the test rebuilds it from the share
    # files only to know what the right answer is.
    shares = [load_share(k.share_file) for k in net.keyholders]
    key = recover_secret(shares)
    return [oprf.evaluate(key, x) for x in INPUTS]


def _tokenizer(net: LocalNetwork, names: list[str]) -> Tokenizer:
    by_name = {k.name: k for k in net.keyholders}
    endpoints = [HolderEndpoint(n, by_name[n].address) for n in names]
    return Tokenizer(
        endpoints, net.threshold, net.identity("alpha"), public=load_public(net.keys_dir / "public.json"),
        timeout=10,
    )


def test_every_pair_of_holders_gives_the_same_tokens(keyholder_network: LocalNetwork) -> None:
    expected = _expected(keyholder_network)
    for pair in (["kh1", "kh2"], ["kh1", "kh3"], ["kh2", "kh3"]):
        assert _tokenizer(keyholder_network, pair).tokenize(INPUTS) == expected, pair


def test_a_holder_down_changes_nothing(keyholder_network: LocalNetwork) -> None:
    net = keyholder_network
    expected = _expected(net)
    net.keyholders[0].process.kill()
    tokenizer = _tokenizer(net, ["kh1", "kh2", "kh3"])
    assert tokenizer.tokenize(INPUTS) == expected


def test_a_lying_holder_is_caught_named_and_routed_around(keyholder_network: LocalNetwork) -> None:
    net = keyholder_network
    expected = _expected(net)
    kh3 = net.keyholders[2]
    kh3.process.stop()
    rogue = Process(
        "rogue kh3", [], kh3.config.parent / "rogue.out.log",
        argv=[sys.executable, str(ROGUE), str(kh3.config)],
    ).start()
    try:
        wait_serving(kh3.address, net.identity("alpha"), role="keyholder", name="kh3",
                     what="rogue key holder", process=rogue)
        # The liar first, so it is surely asked.
        tokenizer = _tokenizer(net, ["kh3", "kh1", "kh2"])
        assert tokenizer.tokenize(INPUTS) == expected
        assert tokenizer.failures["kh3"] >= 1
        error = tokenizer.last_errors["kh3"]
        assert isinstance(error, InvalidProof)
        assert "kh3" in str(error)
        assert tokenizer.failures["kh1"] == tokenizer.failures["kh2"] == 0
        # Later batches avoid it.
        assert tokenizer.tokenize([b"phone:+447700900456"]) == [
            oprf.evaluate(recover_secret([load_share(k.share_file) for k in net.keyholders]),
                          b"phone:+447700900456")
        ]
    finally:
        rogue.stop()


def test_a_revoked_member_is_refused_by_the_key_holders(keyholder_network: LocalNetwork) -> None:
    from msin_fed.cli import main
    from msin_fed.errors import KeyHoldersUnavailable

    net = keyholder_network
    assert main(["ca", "revoke", str(net.ca_dir), "--cert", str(net.identity_dir("beta") / "cert.pem")]) == 0
    by_name = {k.name: k for k in net.keyholders}
    endpoints = [HolderEndpoint(n, by_name[n].address) for n in ("kh1", "kh2", "kh3")]
    public = load_public(net.keys_dir / "public.json")
    revoked = Tokenizer(endpoints, net.threshold, net.identity("beta"), public=public, timeout=10)
    with pytest.raises(KeyHoldersUnavailable):
        revoked.tokenize(INPUTS)
    # Everyone else is unaffected.
    assert _tokenizer(net, ["kh1", "kh2", "kh3"]).tokenize(INPUTS) == _expected(net)

"""Key-holder faults found by trying to break it: a taken port, garbage on the wire, file modes."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

import grpc
import pytest
from keyholder_net import Network

from msin_fed import pki
from msin_fed.errors import ConfigError
from msin_fed.keyholder import load_config, running
from msin_fed.keyholder.service import SERVICE_NAME


def test_a_second_holder_on_a_taken_port_fails_to_start(start_network: Callable[..., Network]) -> None:
    net = start_network(names=("kh1",))
    address = net.endpoints[0].target
    path = net.dirs[0] / "keyholder.toml"
    second = net.dirs[0] / "second.toml"
    text = path.read_text().replace('listen = "127.0.0.1:0"', f'listen = "{address}"')
    second.write_text(text.replace("usage.db", "usage2.db").replace("keyholder.log", "keyholder2.log"))
    with pytest.raises(ConfigError) as excinfo, running(load_config(second), grace=0):
        pass
    assert excinfo.value.key == "listen" and address in excinfo.value.reason


@pytest.mark.parametrize("payload", [b"\xff\xff\xff", b"\x0a\x09short", b"\x10\xff"])
def test_a_garbage_request_is_invalid_argument(
    start_network: Callable[..., Network], make_identity: Callable[[str, str], pki.Identity], payload: bytes
) -> None:
    net = start_network(names=("kh1",))
    channel = pki.secure_channel(
        net.endpoints[0].target, make_identity("member", "grower-a"), role="keyholder", name="kh1"
    )
    with channel, pytest.raises(grpc.RpcError) as excinfo:
        channel.unary_unary(f"/{SERVICE_NAME}/Evaluate")(payload, timeout=10)
    assert excinfo.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert excinfo.value.details().startswith("request:")


def test_usage_store_and_log_are_owner_only(start_network: Callable[..., Network]) -> None:
    old = os.umask(0o022)
    try:
        net = start_network(names=("kh1",))
    finally:
        os.umask(old)
    for name in ("usage.db", "usage.db-wal", "usage.db-shm", "keyholder.log"):
        path = net.dirs[0] / name
        assert path.exists(), name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{name} is {oct(stat.S_IMODE(path.stat().st_mode))}"

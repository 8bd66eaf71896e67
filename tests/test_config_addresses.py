"""Every address in every configuration is checked when the file is read, naming the key
(a port of 99999 used to be accepted and fail only when the node first dialled it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from msin_fed.coordinator.config import config_from_mapping
from msin_fed.node import load_config as load_node_config

from msin_fed.config_file import address_problem
from msin_fed.errors import ConfigError

BAD_DIAL = ["localhost:99999", "localhost:0", "localhost", ":50051", "local host:1", "host:-1", "host:5x", "[::1:5", "http://host:1"]
GOOD_DIAL = ["localhost:50051", "10.0.0.7:1", "[::1]:50051", "coordinator.example.org:65535"]


@pytest.mark.parametrize("address", BAD_DIAL)
def test_bad_dial_addresses_have_a_problem(address: str) -> None:
    assert address_problem(address, listen=False)


@pytest.mark.parametrize("address", GOOD_DIAL)
def test_good_dial_addresses_pass(address: str) -> None:
    assert address_problem(address, listen=False) is None


def test_port_zero_is_for_listening_only() -> None:
    assert address_problem("127.0.0.1:0", listen=True) is None
    assert address_problem("127.0.0.1:0", listen=False)


def _node(tmp_path: Path, coordinator: str, holder: str) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(
        '[node]\nstore = "node.db"\nkey_file = "node.key"\n'
        f'[coordinator]\naddress = "{coordinator}"\nname = "sttg"\n'
        "[key_holders]\nthreshold = 1\n"
        f'holders = [{{ name = "ag1", address = "localhost:50061" }}, {{ name = "ag2", address = "{holder}" }}]\n'
    )
    return path


def test_node_config_names_the_bad_coordinator_address(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_node_config(_node(tmp_path, "localhost:99999", "localhost:50062"))
    assert excinfo.value.key == "coordinator.address" and "99999" in excinfo.value.reason


def test_node_config_names_the_bad_key_holder_address(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_node_config(_node(tmp_path, "localhost:50051", "localhost:99999"))
    assert excinfo.value.key == "key_holders.holders[1].address"
    load_node_config(_node(tmp_path, "localhost:50051", "[::1]:50062"))  # and a good one loads


@pytest.mark.parametrize("listen", ["127.0.0.1:99999", "127.0.0.1", "a b:1", "[::1:5"])
def test_coordinator_config_names_server_listen(tmp_path: Path, listen: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        config_from_mapping({"server": {"listen": listen, "identity_dir": str(tmp_path)}}, tmp_path)
    assert excinfo.value.key == "server.listen"

"""Node configuration (TOML). Relative paths are read relative to the configuration file.

Example::

    [node]
    store = "node.db"                     # the secure store (SQLite file)
    key_file = "node.key"                 # either a key file ...
    # passphrase_env = "MSIN_NODE_PASSPHRASE"   # ... or the name of an env var holding a passphrase
    identity_dir = "identity"             # member certificate, key and signing key (msin ca issue)
    default_region = "TLK"                # region for imported rows that leave it empty
    spacy_model = "en_core_web_sm"        # spaCy pipeline for redaction

    [coordinator]
    address = "localhost:50051"           # or several processes sharing one database, tried
                                          # in turn when one is unavailable:
                                          # addresses = ["coord-a:50051", "coord-b:50051"]
    name = "sttg"                         # the name in the coordinator's certificate (required
                                          # with address): only a coordinator-role certificate
                                          # of this name is accepted at that address
    checkpoint_key = "9f2c..."            # optional: pins the audit checkpoint key (64 hex digits,
                                          # from 'msin coordinator audit key'); else pinned on first use

    [key_holders]
    threshold = 2
    public = "public.json"                # the dealing's public shares (optional, pins proofs)
    holders = [                           # name: the name in the holder's keyholder certificate
      { name = "ag1", address = "localhost:50061" },
      { name = "ag2", address = "localhost:50062" },
      { name = "ag3", address = "localhost:50063" },
    ]

    [console]                             # optional: msin node console (see docs/console.md)
    listen = "127.0.0.1:8443"             # HTTPS on the node's own certificate
    users = "console-users.db"            # accounts (msin node users add)

    [delivery]                            # optional
    backoff_base = 1.0                    # seconds; doubled per failed attempt
    backoff_cap = 300.0
    poll_interval = 5.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msin_fed.checkpoint import CheckpointKey
from msin_fed.config_file import address_problem, read_toml, renamed
from msin_fed.errors import ConfigError, ValidationError, type_phrase
from msin_fed.model import Region

from .keys import KeyFile, Passphrase, StoreKey

__all__ = ["HolderAddress", "NodeConfig", "load_config"]


@dataclass(frozen=True)
class HolderAddress:
    """One key holder: its name (as in its keyholder certificate, which is checked) and gRPC address."""

    name: str
    address: str


@dataclass(frozen=True)
class NodeConfig:
    """A node's settings. ``source`` is the file it came from (for error messages)."""

    store: Path
    #: The member's identity directory (``[node] identity_dir``).
    identity_dir: Path | None = None
    key_file: Path | None = None
    passphrase_env: str | None = None
    coordinator: str | None = None
    #: Every configured coordinator address (``coordinator`` is the first); calls fail
    #: over from one to the next (:class:`msin_fed.failover.FailoverStub`).
    coordinator_addresses: tuple[str, ...] = ()
    #: The name in the coordinator's certificate; required with ``coordinator``.
    coordinator_name: str | None = None
    checkpoint_key: CheckpointKey | None = None
    holders: tuple[HolderAddress, ...] = ()
    threshold: int = 0
    public: Path | None = None
    spacy_model: str | None = None
    default_region: Region | None = None
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    poll_interval: float = 5.0
    source: str = "<config>"

    @property
    def identity(self) -> Path | None:
        """Deprecated name of :attr:`identity_dir`."""
        return self.identity_dir

    def store_key(self) -> StoreKey:
        """The store key this configuration names (key file or passphrase from env)."""
        if self.key_file is not None:
            return KeyFile(self.key_file)
        if self.passphrase_env:
            value = os.environ.get(self.passphrase_env)
            if not value:
                raise ConfigError(self.source, "node.passphrase_env", f"environment variable {self.passphrase_env} is not set")
            try:
                return Passphrase(value)
            except ValidationError as exc:
                raise ConfigError(self.source, "node.passphrase_env", exc.problem) from None
        raise ConfigError(self.source, "node.key_file", "give key_file or passphrase_env")


def _get(table: dict[str, Any], section: str, key: str, kind: type, source: str, required: bool = False) -> Any:
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(source, f"{section}.{key}", "is required")
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConfigError(source, f"{section}.{key}", f"must be {type_phrase(kind)}")
    return value


_KNOWN = {
    # "identity" is the deprecated name of identity_dir (read with a warning).
    "node": {"store", "key_file", "passphrase_env", "identity_dir", "identity", "default_region", "spacy_model"},
    "coordinator": {"address", "addresses", "name", "checkpoint_key"},
    "key_holders": {"threshold", "public", "holders"},
    "delivery": {"backoff_base", "backoff_cap", "poll_interval"},
    # Read by the web console (msin_fed.web.node_console), which validates the values.
    "console": {"listen", "users", "session_idle_minutes", "session_hours"},
}


def load_config(path: str | os.PathLike[str]) -> NodeConfig:
    """Read and validate a node configuration; ConfigError(file, key, reason) when invalid."""
    file = Path(path)
    source = str(file)
    data = read_toml(file)
    for section, value in data.items():
        if section not in _KNOWN:
            raise ConfigError(source, section, "unknown section")
        if not isinstance(value, dict):
            raise ConfigError(source, section, "must be a table")
        for key in value:
            if key not in _KNOWN[section]:
                raise ConfigError(source, f"{section}.{key}", "unknown key")
    base = file.parent

    def rel(text: str | None) -> Path | None:
        return None if text is None else (base / Path(text).expanduser())

    node = data.get("node", {})
    store = rel(_get(node, "node", "store", str, source, required=True))
    assert store is not None
    key_file = rel(_get(node, "node", "key_file", str, source))
    passphrase_env = _get(node, "node", "passphrase_env", str, source)
    if (key_file is None) == (passphrase_env is None):
        raise ConfigError(source, "node.key_file", "give exactly one of key_file or passphrase_env")
    region_text = _get(node, "node", "default_region", str, source)
    region = None
    if region_text:
        try:
            region = Region.parse(region_text, "default_region")
        except ValidationError as exc:
            raise ConfigError(source, "node.default_region", exc.problem) from None
    coord = data.get("coordinator", {})
    address = _get(coord, "coordinator", "address", str, source)
    listed = _get(coord, "coordinator", "addresses", list, source)
    if address is not None and listed is not None:
        raise ConfigError(source, "coordinator.addresses", "give address or addresses, not both")
    addresses: tuple[str, ...] = () if address is None else (address,)
    if listed is not None:
        if not listed or not all(isinstance(a, str) and a for a in listed):
            raise ConfigError(source, "coordinator.addresses", "must be a non-empty list of host:port strings")
        if len(set(listed)) != len(listed):
            raise ConfigError(source, "coordinator.addresses", "lists an address twice")
        addresses = tuple(listed)
    for i, listed_address in enumerate(addresses):
        if problem := address_problem(listed_address, listen=False):
            where = "coordinator.address" if address is not None else f"coordinator.addresses[{i}]"
            raise ConfigError(source, where, problem)
    coordinator_name = _get(coord, "coordinator", "name", str, source)
    if addresses and coordinator_name is None:
        raise ConfigError(
            source, "coordinator.name",
            "is required with coordinator.address (the name in the coordinator's certificate)",
        )
    checkpoint_text = _get(coord, "coordinator", "checkpoint_key", str, source)
    checkpoint_key = None
    if checkpoint_text is not None:
        try:
            checkpoint_key = CheckpointKey.from_hex(checkpoint_text)
        except ValidationError as exc:
            raise ConfigError(source, "coordinator.checkpoint_key", exc.problem) from None
    kh = data.get("key_holders", {})
    raw_holders = _get(kh, "key_holders", "holders", list, source) or []
    holders: list[HolderAddress] = []
    for i, item in enumerate(raw_holders):
        where = f"key_holders.holders[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("address"), str):
            raise ConfigError(source, where, "must be a table with name and address")
        if "server_name" in item:
            raise ConfigError(
                source, f"{where}.server_name",
                "is no longer used: the holder must present a keyholder certificate named name",
            )
        extra = set(item) - {"name", "address"}
        if extra:
            raise ConfigError(source, f"{where}.{sorted(extra)[0]}", "unknown key")
        if problem := address_problem(item["address"], listen=False):
            raise ConfigError(source, f"{where}.address", problem)
        holders.append(HolderAddress(item["name"], item["address"]))
    if len({h.name for h in holders}) != len(holders):
        raise ConfigError(source, "key_holders.holders", "names must be distinct")
    threshold = _get(kh, "key_holders", "threshold", int, source)
    if holders and threshold is None:
        raise ConfigError(source, "key_holders.threshold", "is required with holders")
    if threshold is not None and not 1 <= threshold <= len(holders):
        raise ConfigError(source, "key_holders.threshold", "must be between 1 and the number of holders")
    delivery = data.get("delivery", {})
    floats: dict[str, float] = {}
    for key, default in (("backoff_base", 1.0), ("backoff_cap", 300.0), ("poll_interval", 5.0)):
        value = _get(delivery, "delivery", key, float, source)
        if value is not None and value <= 0:
            raise ConfigError(source, f"delivery.{key}", "must be positive")
        floats[key] = default if value is None else value
    return NodeConfig(
        store=store,
        identity_dir=rel(_get({"identity_dir": renamed(node, "identity_dir", ("identity",), source, "node.")},
                              "node", "identity_dir", str, source)),
        key_file=key_file,
        passphrase_env=passphrase_env,
        coordinator=addresses[0] if addresses else None,
        coordinator_addresses=addresses,
        coordinator_name=coordinator_name,
        checkpoint_key=checkpoint_key,
        holders=tuple(holders),
        threshold=threshold or 0,
        public=rel(_get(kh, "key_holders", "public", str, source)),
        spacy_model=_get(node, "node", "spacy_model", str, source),
        default_region=region,
        backoff_base=floats["backoff_base"],
        backoff_cap=floats["backoff_cap"],
        poll_interval=floats["poll_interval"],
        source=source,
    )

"""Key-holder configuration: a TOML file.

Example::

    listen = "127.0.0.1:7443"           # host:port; port 0 picks a free one
    identity_dir = "identity"           # cert.pem, key.pem, ca.pem (role keyholder)
    crl = "ca/crl.pem"                  # required: every call is refused while the CRL is
                                        # missing, bad, expired or older than one seen
    crl_number_file = "crl.number"      # optional: highest CRL number seen (default: beside
                                        # this file)
    share_files = ["holder-1.share.json"]  # one per epoch served; the newest is current
    rate_limit_per_second = 2000        # blinded elements per member per second
    burst = 20000                       # optional: largest batch a member may send at once
                                        # (default: the larger of 4096 and the rate)
    usage_db = "usage.db"               # durable per-member daily counts (SQLite)
    log_path = "keyholder.log"          # optional: counts per member, never inputs
    workers = 4                         # optional: gRPC worker threads

    [roster]                            # who may be evaluated for: see roster.py
    file = "roster.json"                # the accepted signed roster (`roster install`)
    threshold = 2                       # valid key-holder signatures a roster needs
    signing_key = "roster-signing.key"  # optional: this holder's own key (`roster sign`)
    [roster.signers]                    # pinned roster-signing keys of every holder (hex)
    kh1 = "..."
    kh2 = "..."
    kh3 = "..."

The daily budget per member is not configured here but in the roster, so that every
holder applies the one a quorum agreed (``daily_quota`` is refused with that reason).

Relative paths are relative to the configuration file. Every problem raises
:class:`~msin_fed.errors.ConfigError` naming the file, the key and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msin_fed.config_file import address_problem, read_toml, renamed
from msin_fed.errors import ConfigError

__all__ = ["KeyHolderConfig", "RosterConfig", "load_config"]

#: Default burst: room for one node batch of the default size (tokenizer batches of 2048).
DEFAULT_BURST = 4096

_KNOWN = {
    "listen", "identity_dir", "cert_dir", "crl", "crl_number_file", "share_file", "share_files", "rate_limit_per_second",
    "burst", "log_path", "workers", "allowed_roles", "usage_db", "roster",
}
_ROSTER_KNOWN = {"file", "threshold", "signing_key", "signers"}


@dataclass(frozen=True)
class RosterConfig:
    """Where the accepted roster lives and whose signatures make one."""

    file: Path
    threshold: int
    signers: Mapping[str, bytes] = field(repr=False)
    signing_key: Path | None = None


@dataclass(frozen=True)
class KeyHolderConfig:
    """A validated key-holder configuration."""

    listen: str
    #: The holder's identity directory (``identity_dir``; ``cert_dir`` is its deprecated name).
    identity_dir: Path
    share_files: tuple[Path, ...]
    rate_limit_per_second: float
    burst: int
    usage_db: Path
    roster: RosterConfig
    log_path: Path | None = None
    #: Required; None only so that the server's error can name the key.
    crl: Path | None = None
    #: Where the highest CRL number seen is kept; None: in memory only.
    crl_number_file: Path | None = None
    workers: int = 4
    allowed_roles: frozenset[str] = field(default_factory=lambda: frozenset({"member"}))

    @property
    def cert_dir(self) -> Path:
        """Deprecated name of :attr:`identity_dir`."""
        return self.identity_dir


def _number(file: str, data: dict[str, Any], key: str, kind: type, minimum: float) -> Any:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        raise ConfigError(file, key, f"must be a {'number' if kind is float else 'whole number'}")
    if value < minimum:
        raise ConfigError(file, key, f"must be at least {minimum:g}")
    return kind(value)


def _roster(file: str, data: Any, rel: Callable[[Any, str], Path]) -> RosterConfig:
    if not isinstance(data, dict):
        raise ConfigError(
            file, "roster", "missing: a [roster] table with threshold and the pinned [roster.signers]"
        )
    unknown = sorted(set(data) - _ROSTER_KNOWN)
    if unknown:
        raise ConfigError(file, f"roster.{unknown[0]}", "unknown key")
    raw = data.get("signers")
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(file, "roster.signers", "missing: each key holder's roster-signing public key (hex)")
    signers: dict[str, bytes] = {}
    for name, value in raw.items():
        try:
            key = bytes.fromhex(value) if isinstance(value, str) else b""
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ConfigError(file, f"roster.signers.{name}", "must be a 64-hex-digit Ed25519 public key")
        signers[name] = key
    if len(set(signers.values())) != len(signers):
        raise ConfigError(file, "roster.signers", "two signers have the same key")
    threshold = data.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= len(signers):
        raise ConfigError(file, "roster.threshold", f"must be a whole number from 1 to {len(signers)} (the signers)")
    return RosterConfig(
        file=rel(data.get("file", "roster.json"), "roster.file"),
        threshold=threshold,
        signers=signers,
        signing_key=rel(data["signing_key"], "roster.signing_key") if "signing_key" in data else None,
    )


def load_config(path: str | Path) -> KeyHolderConfig:
    """Read and validate a key-holder configuration file."""
    path = Path(path)
    file = str(path)
    data = read_toml(path)
    if "daily_quota" in data:
        raise ConfigError(
            file, "daily_quota", "no longer configured per holder: the daily budget is in the signed roster"
        )
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise ConfigError(file, unknown[0], "unknown key")
    base = path.parent

    def rel(value: Any, key: str) -> Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(file, key, "must be a path")
        p = Path(value)
        return p if p.is_absolute() else base / p

    listen = data.get("listen")
    if (problem := address_problem(listen, listen=True)) or not isinstance(listen, str):
        raise ConfigError(file, "listen", problem or "must be host:port")
    raw_identity = renamed(data, "identity_dir", ("cert_dir",), file)
    if raw_identity is None:
        raise ConfigError(file, "identity_dir", "missing (the holder's identity directory from 'msin ca issue')")
    identity_dir = rel(raw_identity, "identity_dir")
    if not identity_dir.is_dir():
        raise ConfigError(file, "identity_dir", f"{identity_dir} is not a directory")
    if "share_files" in data and "share_file" in data:
        raise ConfigError(file, "share_file", "give share_file or share_files, not both")
    raw_shares = data.get("share_files", [data["share_file"]] if "share_file" in data else None)
    if not isinstance(raw_shares, list) or not raw_shares:
        raise ConfigError(file, "share_files", "missing (a list of share files)")
    shares = tuple(rel(s, "share_files") for s in raw_shares)
    for s in shares:
        if not s.is_file():
            raise ConfigError(file, "share_files", f"{s} does not exist")
    rate = _number(file, data, "rate_limit_per_second", float, 0.001)
    burst = _number(file, data, "burst", int, 1) if "burst" in data else max(DEFAULT_BURST, int(rate))
    workers = _number(file, data, "workers", int, 1) if "workers" in data else 4
    if "crl" not in data:
        raise ConfigError(file, "crl", "missing (the network CA's crl.pem): revocation must be checked")
    roles = data.get("allowed_roles", ["member"])
    if not isinstance(roles, list) or not roles or not all(r in {"member", "admin"} for r in roles):
        raise ConfigError(file, "allowed_roles", "must list 'member' and/or 'admin'")
    return KeyHolderConfig(
        listen=listen,
        identity_dir=identity_dir,
        share_files=shares,
        rate_limit_per_second=rate,
        burst=burst,
        usage_db=rel(data.get("usage_db", "usage.db"), "usage_db"),
        roster=_roster(file, data.get("roster"), rel),
        log_path=rel(data["log_path"], "log_path") if "log_path" in data else None,
        crl=rel(data["crl"], "crl"),
        crl_number_file=rel(data.get("crl_number_file", "crl.number"), "crl_number_file"),
        workers=workers,
        allowed_roles=frozenset(roles),
    )

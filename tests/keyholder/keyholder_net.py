"""Shared pieces of the key-holder tests (imported by conftest and the tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from msin_fed import oprf, threshold
from msin_fed.keyholder import KeyHolderConfig
from msin_fed.tokenizer import HolderEndpoint

SK, PK = oprf.derive_key_pair(b"\x42" * 32, b"keyholder tests")
EPOCH = 7



@dataclass
class Network:
    public: threshold.PublicDealing
    endpoints: list[HolderEndpoint]
    configs: list[KeyHolderConfig]
    dirs: list[Path]


def write_config(
    directory: Path,
    identity_dir: Path,
    share_file: Path,
    *,
    rate: float = 1_000_000,
    burst: int = 1_000_000,
    quota: int = 100_000_000,
    extra: str = "",
) -> Path:
    path = directory / "keyholder.toml"
    path.write_text(
        f'listen = "127.0.0.1:0"\n'
        f'cert_dir = "{identity_dir}"\n'
        f'crl = "{identity_dir / "crl.pem"}"\n'
        f'share_files = ["{share_file}"]\n'
        f"rate_limit_per_second = {rate}\n"
        f"burst = {burst}\n"
        f"daily_quota = {quota}\n"
        f'log_path = "{directory / "keyholder.log"}"\n' + extra
    )
    return path



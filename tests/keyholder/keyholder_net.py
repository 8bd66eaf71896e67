"""Shared pieces of the key-holder tests (imported by conftest and the tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from nacl.signing import SigningKey

from msin_fed import oprf, pki, threshold
from msin_fed.keyholder import KeyHolderConfig, Roster, RosterMember, SignedRoster, spki_fingerprint
from msin_fed.keyholder.roster import write_signed_roster
from msin_fed.tokenizer import HolderEndpoint

SK, PK = oprf.derive_key_pair(b"\x42" * 32, b"keyholder tests")
EPOCH = 7

#: Roster-signing keys of the three test holders (fixed: tests only).
SIGNING_KEYS: dict[str, SigningKey] = {f"kh{j}": SigningKey(bytes([j]) * 32) for j in (1, 2, 3)}
#: Members on the test roster unless a test says otherwise.
ROSTERED = ("grower-a", "retailer-b")


@dataclass
class Network:
    public: threshold.PublicDealing
    endpoints: list[HolderEndpoint]
    configs: list[KeyHolderConfig]
    dirs: list[Path]


def roster_of(
    members: Iterable[pki.Identity], *, version: int = 1, budget: int = 100_000_000,
    budgets: Mapping[str, int] | None = None,
) -> Roster:
    """A roster listing each identity by its name and certificate key."""
    entries = {
        m.name: RosterMember(m.name, frozenset({spki_fingerprint(m.cert_pem)}), (budgets or {}).get(m.name))
        for m in members
    }
    return Roster(version, budget, entries)


def signed(roster: Roster, signers: Iterable[str] = ("kh1", "kh2")) -> SignedRoster:
    """``roster`` signed by the named test holders."""
    result = SignedRoster(roster)
    for name in signers:
        result = result.signed_by(name, SIGNING_KEYS[name])
    return result


def write_config(
    directory: Path,
    identity_dir: Path,
    share_file: Path,
    *,
    rate: float = 1_000_000,
    burst: int = 1_000_000,
    roster_threshold: int = 2,
    extra: str = "",
    roster: SignedRoster | None = None,
) -> Path:
    """A key-holder configuration in ``directory`` pinning the three test signers."""
    path = directory / "keyholder.toml"
    if roster is not None:
        write_signed_roster(roster, directory / "roster.json")
    signers = "".join(f'{name} = "{bytes(k.verify_key).hex()}"\n' for name, k in SIGNING_KEYS.items())
    path.write_text(
        f'listen = "127.0.0.1:0"\n'
        f'identity_dir = "{identity_dir}"\n'
        f'crl = "{identity_dir / "crl.pem"}"\n'
        f'share_files = ["{share_file}"]\n'
        f"rate_limit_per_second = {rate}\n"
        f"burst = {burst}\n"
        f'usage_db = "{directory / "usage.db"}"\n'
        f'log_path = "{directory / "keyholder.log"}"\n' + extra
        + f'[roster]\nfile = "{directory / "roster.json"}"\nthreshold = {roster_threshold}\n'
        + f"[roster.signers]\n{signers}"
    )
    return path

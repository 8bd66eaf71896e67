"""Threshold token keys: Shamir dealing, Lagrange combination in the exponent, epochs.

The token key ``k`` of an epoch is split by a dealer into ``n`` shares ``k_j = f(j)`` of
a random polynomial ``f`` of degree ``t - 1`` with ``f(0) = k``, over the scalars of
ristretto255. Key holder ``j`` evaluates ``k_j * C``; any ``t`` such evaluations combine
to ``k * C = sum_j lambda_j * (k_j * C)`` with the Lagrange coefficients ``lambda_j`` at
zero, so every choice of ``t`` holders gives exactly the single-key token. No holder,
and no node or coordinator, ever holds ``k`` after dealing.

Dealing files (JSON): one ``holder-<j>.share.json`` per holder, written 0600 and meant
for that holder only, and ``public.json`` (public shares and the group public key) for
nodes, which pin it to check every holder's proof.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msin_fed import oprf
from msin_fed.errors import ConfigError, ValidationError
from msin_fed.oprf import _group as G
from msin_fed.private_files import check_private

__all__ = [
    "MAX_HOLDERS",
    "Dealing",
    "KeyShare",
    "PublicDealing",
    "combine_in_exponent",
    "deal",
    "lagrange_coefficients",
    "load_public",
    "load_share",
    "recover_secret",
    "write_dealing",
]

#: Share indices are small positive integers (1-based x coordinates).
MAX_HOLDERS = 255
SHARE_FORMAT = "msin-keyshare/1"
PUBLIC_FORMAT = "msin-keydealing/1"
SUITE = "ristretto255-SHA512/VOPRF"


def _check_epoch(epoch: int) -> int:
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 1 <= epoch < 2**32:
        raise ValidationError("epoch", "must be a positive 32-bit integer")
    return epoch


def _check_shape(threshold: int, holders: int) -> None:
    if not isinstance(holders, int) or not 1 <= holders <= MAX_HOLDERS:
        raise ValidationError("holders", f"must be between 1 and {MAX_HOLDERS}")
    if not isinstance(threshold, int) or not 1 <= threshold <= holders:
        raise ValidationError("threshold", "must be between 1 and the number of holders")


@dataclass(frozen=True, slots=True)
class PublicDealing:
    """What everyone may know of a dealing: shape, group key and every public share."""

    epoch: int
    threshold: int
    holders: int
    group_public_key: bytes
    public_shares: Mapping[int, bytes]

    def __post_init__(self) -> None:
        _check_epoch(self.epoch)
        _check_shape(self.threshold, self.holders)
        oprf.deserialize_element(self.group_public_key, "group public key")
        if sorted(self.public_shares) != list(range(1, self.holders + 1)):
            raise ValidationError("public shares", "must be given for indices 1..holders")
        for share in self.public_shares.values():
            oprf.deserialize_element(share, "public share")

    def check(self) -> None:
        """Raise ValidationError unless all public shares lie on one polynomial of
        degree t - 1 whose value at zero is the group public key."""
        base = {j: self.public_shares[j] for j in range(1, self.threshold + 1)}
        if combine_in_exponent(base, at=0) != self.group_public_key:
            raise ValidationError("public shares", "do not combine to the group public key")
        for j in range(self.threshold + 1, self.holders + 1):
            if combine_in_exponent(base, at=j) != self.public_shares[j]:
                raise ValidationError("public shares", f"share {j} is off the dealing polynomial")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PUBLIC_FORMAT,
            "suite": SUITE,
            "epoch": self.epoch,
            "threshold": self.threshold,
            "holders": self.holders,
            "group_public_key": self.group_public_key.hex(),
            "public_shares": {str(j): p.hex() for j, p in sorted(self.public_shares.items())},
        }


@dataclass(frozen=True, slots=True, repr=False)
class KeyShare:
    """One holder's share of one epoch's key. ``repr`` never shows the secret."""

    index: int
    secret: bytes = field(repr=False)
    public: PublicDealing

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.public.holders:
            raise ValidationError("index", "must be between 1 and the number of holders")
        oprf.deserialize_scalar(self.secret, "secret share")
        if oprf.public_key(self.secret) != self.public.public_shares[self.index]:
            raise ValidationError("secret share", "does not match its public share")

    @property
    def epoch(self) -> int:
        return self.public.epoch

    @property
    def public_share(self) -> bytes:
        return self.public.public_shares[self.index]

    def __repr__(self) -> str:
        return f"KeyShare(epoch={self.epoch}, index={self.index}, t={self.public.threshold})"


@dataclass(frozen=True, slots=True, repr=False)
class Dealing:
    """The dealer's output: the public part and one share per holder."""

    public: PublicDealing
    shares: tuple[KeyShare, ...]

    def __repr__(self) -> str:
        p = self.public
        return f"Dealing(epoch={p.epoch}, threshold={p.threshold}, holders={p.holders})"


def deal(threshold: int, holders: int, epoch: int, *, secret: bytes | None = None) -> Dealing:
    """Split a fresh random key (or ``secret``, for tests and migration) into shares."""
    _check_epoch(epoch)
    _check_shape(threshold, holders)
    k = G.random_scalar() if secret is None else oprf.deserialize_scalar(secret, "secret")
    coefficients = [G.scalar_to_int(k)] + [
        G.scalar_to_int(G.random_scalar()) for _ in range(threshold - 1)
    ]
    secrets: dict[int, bytes] = {}
    for j in range(1, holders + 1):
        y = 0
        for a in reversed(coefficients):  # Horner
            y = (y * j + a) % G.ORDER
        if y == 0:  # pragma: no cover - probability n / 2^252; deal again
            return deal(threshold, holders, epoch, secret=secret)
        secrets[j] = G.int_to_scalar(y)
    public = PublicDealing(
        epoch=epoch,
        threshold=threshold,
        holders=holders,
        group_public_key=oprf.public_key(k),
        public_shares={j: oprf.public_key(s) for j, s in secrets.items()},
    )
    return Dealing(public, tuple(KeyShare(j, s, public) for j, s in secrets.items()))


def lagrange_coefficients(indices: Iterable[int], at: int = 0) -> dict[int, bytes]:
    """Lagrange basis values ``lambda_j(at)`` for the distinct share indices given."""
    xs = list(indices)
    if len(set(xs)) != len(xs) or not xs or any(not 1 <= x <= MAX_HOLDERS for x in xs):
        raise ValidationError("indices", "must be distinct share indices between 1 and 255")
    out = {}
    for j in xs:
        num, den = 1, 1
        for m in xs:
            if m != j:
                num = num * (at - m) % G.ORDER
                den = den * (j - m) % G.ORDER
        out[j] = G.int_to_scalar(num * pow(den, -1, G.ORDER))
    return out


def combine_in_exponent(points: Mapping[int, bytes], at: int = 0) -> bytes:
    """Interpolate group elements ``{j: k_j * P}`` to ``f(at) * P`` (``k * P`` at zero)."""
    terms = [
        G.scalar_mult(coeff, points[j]) for j, coeff in lagrange_coefficients(points, at).items()
    ]
    acc = terms[0]
    for term in terms[1:]:
        acc = G.add(acc, term)
    return acc


def recover_secret(shares: Sequence[KeyShare]) -> bytes:
    """The whole key from at least t shares. For tests and disaster recovery only."""
    if not shares or len(shares) < shares[0].public.threshold:
        raise ValidationError("shares", "fewer than the threshold")
    coeffs = lagrange_coefficients(s.index for s in shares)
    total = sum(G.scalar_to_int(coeffs[s.index]) * G.scalar_to_int(s.secret) for s in shares)
    return G.int_to_scalar(total)


# --- files -----------------------------------------------------------------------------


def write_dealing(dealing: Dealing, out_dir: Path) -> list[Path]:
    """Write ``public.json`` and one 0600 share file per holder; refuses to overwrite."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for share in dealing.shares:
        body = {
            "format": SHARE_FORMAT,
            "index": share.index,
            "secret_share": share.secret.hex(),
            "dealing": dealing.public.to_json(),
        }
        path = out_dir / f"holder-{share.index}.share.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(body, f, indent=2)
        written.append(path)
    public_path = out_dir / "public.json"
    with public_path.open("x") as f:
        json.dump(dealing.public.to_json(), f, indent=2)
    return [public_path, *written]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(str(path), "file", f"cannot be read ({exc.strerror})") from None
    except ValueError:
        raise ConfigError(str(path), "file", "is not JSON") from None
    if not isinstance(data, dict):
        raise ConfigError(str(path), "file", "is not a JSON object")
    return data


def _public_from_json(path: Path, data: Any) -> PublicDealing:
    if not isinstance(data, dict) or data.get("format") != PUBLIC_FORMAT:
        raise ConfigError(str(path), "format", f"is not {PUBLIC_FORMAT}")
    if data.get("suite") != SUITE:
        raise ConfigError(str(path), "suite", f"must be {SUITE}")
    try:
        shares = {int(j): bytes.fromhex(p) for j, p in data["public_shares"].items()}
        public = PublicDealing(
            epoch=data["epoch"],
            threshold=data["threshold"],
            holders=data["holders"],
            group_public_key=bytes.fromhex(data["group_public_key"]),
            public_shares=shares,
        )
        public.check()
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(str(path), "dealing", f"missing or wrong field ({exc})") from None
    except ValidationError as exc:
        raise ConfigError(str(path), exc.field, exc.problem) from None
    except ValueError:
        raise ConfigError(str(path), "dealing", "a key is not hex") from None
    return public


def load_public(path: Path) -> PublicDealing:
    """Read and check a ``public.json`` written by :func:`write_dealing`."""
    return _public_from_json(Path(path), _read_json(path))


def load_share(path: Path) -> KeyShare:
    """Read and check one holder's share file."""
    path = Path(path)
    check_private(path, "share_files")
    data = _read_json(path)
    if data.get("format") != SHARE_FORMAT:
        raise ConfigError(str(path), "format", f"is not {SHARE_FORMAT}")
    public = _public_from_json(path, data.get("dealing"))
    try:
        return KeyShare(int(data["index"]), bytes.fromhex(data["secret_share"]), public)
    except (KeyError, TypeError) as exc:
        raise ConfigError(str(path), "share", f"missing or wrong field ({exc})") from None
    except ValidationError as exc:
        raise ConfigError(str(path), exc.field, exc.problem) from None
    except ValueError:
        raise ConfigError(str(path), "secret_share", "is not hex") from None

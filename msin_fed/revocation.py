"""Certificate revocation that fails closed: numbered CRLs, written atomically, checked per call.

The CA side (:func:`write_crl`) signs a CRL carrying a CRL number one above the last
and a next-update time, and replaces ``crl.pem`` atomically (temporary file, fsync,
rename), so a server never reads half a file.

The server side (:class:`RevocationList`) re-reads the file whenever it changes and
refuses every call, with :class:`~msin_fed.errors.RevocationUnavailable` naming the
reason, while the CRL is

- missing or unreadable, or not a PEM CRL;
- not issued and signed by the network CA;
- without a CRL number or a next-update time;
- numbered below the highest number this server has seen (an older CRL put back to
  un-revoke someone); the highest number is kept in ``number_file`` so a restart does
  not forget it;
- past its next-update time (a CRL nobody re-signs would otherwise stay "valid" forever).

Reasons name files, numbers and times only, never certificate serials or names.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from msin_fed.errors import RevocationUnavailable

__all__ = ["CRL_DAYS", "RevocationList", "crl_number", "write_crl"]

log = logging.getLogger("msin_fed.revocation")

#: How long a CRL stays usable; re-sign it (``msin ca crl``) before then.
CRL_DAYS = 30


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` all at once: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def crl_number(crl: x509.CertificateRevocationList) -> int | None:
    """The CRL number extension of ``crl`` (None when it has none)."""
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return None


def _number_on_file(path: Path) -> int:
    try:
        crl = x509.load_pem_x509_crl(path.read_bytes())
    except (OSError, ValueError):
        return 0
    return crl_number(crl) or 0


def write_crl(
    path: Path,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    serials: Iterable[int],
    *,
    days: int = CRL_DAYS,
) -> int:
    """Sign a CRL of ``serials`` numbered one above the one at ``path``; replace it atomically.

    The counter beside it (``crlnumber``) keeps numbers rising even if ``crl.pem`` was
    lost or replaced by an older copy. Returns the new CRL number.
    """
    counter = path.with_name("crlnumber")
    try:
        counted = int(counter.read_text().strip() or 0)
    except (OSError, ValueError):
        counted = 0
    number = max(counted, _number_on_file(path)) + 1
    now = _now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + _dt.timedelta(days=days))
        .add_extension(x509.CRLNumber(number), critical=False)
    )
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
        )
    crl = builder.sign(ca_key, hashes.SHA256())
    # The counter first: a crash between the two writes can skip a number, never reuse one.
    atomic_write(counter, f"{number}\n".encode())
    atomic_write(path, crl.public_bytes(serialization.Encoding.PEM))
    return number


@dataclass(frozen=True)
class _Loaded:
    """One version of the CRL file, as read: its revoked serials, or why it is refused."""

    key: tuple[int, int, int]
    serials: frozenset[int] = frozenset()
    number: int = 0
    next_update: _dt.datetime | None = None
    refused: str | None = None


class RevocationList:
    """Revoked serial numbers from a CRL file, re-read when the file changes; fails closed.

    ``number_file`` persists the highest CRL number seen (None: remembered only while
    the process runs). ``clock`` is for tests that need the CRL to expire.
    """

    def __init__(
        self,
        crl_path: str | os.PathLike[str],
        ca_pem: bytes,
        *,
        number_file: str | os.PathLike[str] | None = None,
        clock: Callable[[], _dt.datetime] = _now,
    ) -> None:
        self._path = Path(crl_path)
        self._ca = x509.load_pem_x509_certificate(ca_pem)
        self._number_file = Path(number_file) if number_file is not None else None
        self._clock = clock
        self._highest = self._read_highest()
        self._loaded: _Loaded | None = None
        self._expired_logged = False
        self._lock = threading.Lock()

    def _read_highest(self) -> int:
        if self._number_file is None or not self._number_file.exists():
            return 0
        try:
            return int(self._number_file.read_text().strip())
        except (OSError, ValueError):
            # Unknown high-water mark: never guess low. Every CRL is refused until an
            # operator repairs or removes the file.
            return -1

    def is_revoked(self, serial: int) -> bool:
        """True when ``serial`` is on the current CRL.

        Raises :class:`~msin_fed.errors.RevocationUnavailable` when there is no CRL
        this server may trust right now: the caller must then refuse the call.
        """
        with self._lock:
            loaded = self._current()
            if loaded.refused is not None:
                raise RevocationUnavailable(loaded.refused)
            assert loaded.next_update is not None
            if self._clock() >= loaded.next_update:
                reason = (
                    f"{self._path.name} number {loaded.number} expired at "
                    f"{loaded.next_update.isoformat()} (re-sign it: msin ca crl)"
                )
                if not self._expired_logged:
                    log.error("CRL refused: %s", reason)
                    self._expired_logged = True
                raise RevocationUnavailable(reason)
            return serial in loaded.serials

    def problem(self) -> str | None:
        """Why every call would be refused now, or None when the CRL is usable."""
        try:
            self.is_revoked(-1)
        except RevocationUnavailable as exc:
            return exc.reason
        return None

    def _current(self) -> _Loaded:
        try:
            st = self._path.stat()
        except FileNotFoundError:
            return self._refuse((0, 0, 0), f"{self._path.name} is missing ({self._path})")
        except OSError as exc:
            return self._refuse((0, 0, 0), f"{self._path.name} cannot be read ({exc.strerror})")
        # The inode changes on an atomic replace even when size and mtime do not.
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._loaded is not None and self._loaded.key == key:
            return self._loaded
        loaded = self._load(key)
        if loaded.refused is not None:
            return self._refuse(key, loaded.refused)
        self._loaded = loaded
        self._expired_logged = False
        if loaded.number > self._highest:
            self._highest = loaded.number
            if self._number_file is not None:
                atomic_write(self._number_file, f"{loaded.number}\n".encode())
        log.info("CRL loaded: number %d, %d revoked", loaded.number, len(loaded.serials))
        return loaded

    def _refuse(self, key: tuple[int, int, int], reason: str) -> _Loaded:
        if self._loaded is None or self._loaded.key != key or self._loaded.refused != reason:
            log.error("CRL refused: %s", reason)
        self._loaded = _Loaded(key, refused=reason)
        return self._loaded

    def _load(self, key: tuple[int, int, int]) -> _Loaded:
        name = self._path.name
        try:
            data = self._path.read_bytes()
        except OSError as exc:
            return _Loaded(key, refused=f"{name} cannot be read ({exc.strerror})")
        try:
            crl = x509.load_pem_x509_crl(data)
        except ValueError:
            return _Loaded(key, refused=f"{name} is not a PEM certificate revocation list")
        if crl.issuer != self._ca.subject:
            return _Loaded(key, refused=f"{name} is not issued by the network CA")
        try:
            signed = crl.is_signature_valid(self._ca.public_key())  # type: ignore[arg-type]
        except (TypeError, ValueError):
            signed = False
        if not signed:
            return _Loaded(key, refused=f"{name} is not signed by the network CA")
        number = crl_number(crl)
        if number is None:
            return _Loaded(key, refused=f"{name} has no CRL number (re-sign it: msin ca crl)")
        if self._highest < 0:
            return _Loaded(key, refused=f"{self._number_file} (highest CRL number seen) is unreadable")
        if number < self._highest:
            return _Loaded(
                key,
                refused=f"{name} number {number} is older than number {self._highest} already seen",
            )
        next_update = crl.next_update_utc
        if next_update is None:
            return _Loaded(key, refused=f"{name} has no next-update time")
        return _Loaded(key, frozenset(r.serial_number for r in crl), number, next_update)

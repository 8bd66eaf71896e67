"""``msin ca``: the network certificate authority.

``init`` creates the CA, ``issue`` a certificate and key for one process (member node,
analyst, key holder, coordinator...), ``revoke`` puts a certificate on the CRL that the
coordinator and key holders honour, ``crl`` re-signs the CRL before it expires (servers
refuse every call once its next-update time has passed), ``list`` shows what the CA has
issued and revoked. Private keys are written owner-only (0600) by :mod:`msin_fed.pki`;
the CRL is replaced atomically, so servers never read half of one.
"""

from __future__ import annotations

import argparse
import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msin_fed import pki
from msin_fed.cli import add_area, add_commands
from msin_fed.errors import ValidationError
from msin_fed.revocation import CRL_DAYS

__all__ = ["IssuedCertificate", "issued_certificates", "register"]


@dataclass(frozen=True)
class IssuedCertificate:
    """One line of the CA's issue log, with its revocation state."""

    serial: str
    role: str
    name: str
    not_after: str
    revoked: bool

    @property
    def expired(self) -> bool:
        """True once the certificate's validity has ended."""
        try:
            end = _dt.datetime.fromisoformat(self.not_after)
        except ValueError:
            return False
        return end < _dt.datetime.now(_dt.UTC)


def _ca_dir(text: str) -> Path:
    path = Path(text)
    if not (path / "ca.pem").exists() or not (path / "ca.key").exists():
        raise ValidationError("ca_dir", f"{path} is not a CA directory (run 'msin ca init {path}')")
    return path


def issued_certificates(ca_dir: str | Path) -> list[IssuedCertificate]:
    """Every certificate the CA in ``ca_dir`` has issued, oldest first."""
    path = _ca_dir(str(ca_dir))
    revoked_file = path / "revoked.txt"
    revoked = (
        {int(s, 16) for s in revoked_file.read_text().split()} if revoked_file.exists() else set()
    )
    issued_file = path / "issued.txt"
    rows: list[IssuedCertificate] = []
    if issued_file.exists():
        for line in issued_file.read_text().splitlines():
            parts = line.split()
            if len(parts) != 4:
                continue
            serial, role, name, not_after = parts
            rows.append(IssuedCertificate(serial, role, name, not_after, int(serial, 16) in revoked))
    return rows


def _init(args: argparse.Namespace) -> int:
    ca = pki.init_ca(args.dir, name=args.ca_name)
    print(f"created network CA in {ca} (ca.pem, ca.key 0600, crl.pem)")
    return 0


def _issue(args: argparse.Namespace) -> int:
    ca = _ca_dir(args.dir)
    hosts = tuple(args.host) if args.host else pki.DEFAULT_HOSTS
    out = pki.issue(ca, args.role, args.name, args.out, hosts=hosts, days=args.days)
    role_name = pki.server_name(args.role, args.name)
    issued = issued_certificates(ca)[-1]
    files = "cert.pem, key.pem (0600), ca.pem" + (", signing.key (0600)" if args.role == "member" else "")
    print(
        f"issued {args.role} certificate for {args.name!r} serial {issued.serial} "
        f"valid until {issued.not_after} into {out} ({files}); "
        f"clients that expect this {args.role} check the name {role_name}"
    )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    ca = _ca_dir(args.dir)
    target: str = args.serial if args.serial is not None else args.cert
    if args.cert is not None and not Path(args.cert).is_file():
        raise ValidationError("cert", f"{args.cert} is not a file")
    crl = pki.revoke(ca, target)
    print(f"revoked; CRL number {_crl_number(crl)} written to {crl}")
    return 0


def _crl_number(path: Path) -> int:
    from cryptography import x509

    from msin_fed.revocation import crl_number

    return crl_number(x509.load_pem_x509_crl(path.read_bytes())) or 0


def _crl(args: argparse.Namespace) -> int:
    ca = _ca_dir(args.dir)
    crl = pki.refresh_crl(ca, days=args.days)
    print(f"CRL number {_crl_number(crl)} re-signed, valid for {args.days} days, written to {crl}")
    return 0


def _list(args: argparse.Namespace) -> int:
    rows = issued_certificates(args.dir)
    if args.json:
        import json

        print(json.dumps([{"serial": r.serial, "role": r.role, "name": r.name, "not_after": r.not_after,
                           "state": "revoked" if r.revoked else ("expired" if r.expired else "valid")}
                          for r in rows], indent=2))
        return 0
    if not rows:
        print("no certificates issued")
        return 0
    print(f"{'serial':<42} {'role':<12} {'name':<24} {'not after':<26} state")
    for row in rows:
        state = "revoked" if row.revoked else ("expired" if row.expired else "valid")
        print(f"{row.serial:<42} {row.role:<12} {row.name:<24} {row.not_after:<26} {state}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``msin ca`` and its subcommands."""
    sub = add_commands(add_area(subparsers, "ca", description=__doc__), metavar="COMMAND")

    init = sub.add_parser("init", help="create a network CA in DIR")
    init.add_argument("dir", metavar="DIR")
    init.add_argument("--ca-name", default="MSIN network CA", help="common name of the CA certificate")
    init.set_defaults(func=_init)

    issue = sub.add_parser("issue", help="issue a certificate and key for one process")
    issue.add_argument("dir", metavar="DIR", help="the CA directory")
    issue.add_argument("--role", required=True, help=f"one of: {', '.join(sorted(pki.ROLES))}")
    issue.add_argument("--name", required=True, help="member id or process name (letters, digits, _ . -)")
    issue.add_argument("--out", required=True, metavar="DIR2", help="directory to write the identity into")
    issue.add_argument(
        "--days", type=int, default=pki.LEAF_DAYS, help="validity in days (default %(default)s)"
    )
    issue.add_argument(
        "--host", action="append", metavar="H",
        help="extra DNS name or IP a keyholder or coordinator certificate serves as, for non-msin "
        "TLS clients (repeatable; default none: msin clients check NAME.ROLE.msin.internal)",
    )
    issue.set_defaults(func=_issue)

    revoke = sub.add_parser("revoke", help="revoke a certificate and re-sign the CRL")
    revoke.add_argument("dir", metavar="DIR", help="the CA directory")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--serial", metavar="HEX", help="serial number in hex (as 'msin ca list' shows)")
    which.add_argument("--cert", metavar="PEM", help="path to the certificate")
    revoke.set_defaults(func=_revoke)

    crl = sub.add_parser("crl", help="re-sign the CRL (new number and next-update) before it expires")
    crl.add_argument("dir", metavar="DIR", help="the CA directory")
    crl.add_argument(
        "--days", type=int, default=CRL_DAYS, help="days until servers refuse it (default %(default)s)"
    )
    crl.set_defaults(func=_crl)

    lst = sub.add_parser("list", help="list issued certificates and their state")
    lst.add_argument("dir", metavar="DIR", help="the CA directory")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=_list)

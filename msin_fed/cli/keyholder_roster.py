"""``msin keyholder roster ...`` and ``msin keyholder usage|totals``.

The membership roster is proposed by anyone (typically STTG, who knows who joined),
signed by the key holders one after another (each with its own roster-signing key),
and installed at every key holder, which accepts it only with at least ``t`` valid
pinned signatures and a version not older than the one it holds::

    msin keyholder roster keygen --out roster-signing.key        # once per holder; pin the printed key
    msin keyholder roster propose --out roster.json --add grower-a=grower-a/cert.pem ...
    msin keyholder roster sign roster.json --config kh1/keyholder.toml   # then kh2, ...
    msin keyholder roster install roster.json --config kh1/keyholder.toml  # at every holder
    msin keyholder roster show --config kh1/keyholder.toml

``usage`` asks key holders for the calling member's own use today; ``totals`` for all
members' use summed (STTG's analyst, the Advisory Group or an admin).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from msin_fed.errors import ValidationError

__all__ = ["register_roster", "register_usage"]


def _pair(text: str, what: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise ValidationError(what, f"expected ID=VALUE, got {text!r}")
    return key, value


def _propose(args: argparse.Namespace) -> int:
    from msin_fed.keyholder.roster import (
        DEFAULT_DAILY_BUDGET,
        Roster,
        RosterMember,
        SignedRoster,
        certificate_role_and_name,
        read_signed_roster,
        spki_fingerprint,
        write_signed_roster,
    )

    base = read_signed_roster(args.base).roster if args.base else None
    members: dict[str, RosterMember] = dict(base.members) if base else {}
    keys: dict[str, set[str]] = {m: set(e.keys) for m, e in members.items()}
    budgets: dict[str, int | None] = {m: e.daily_budget for m, e in members.items()}
    for member_id in args.remove:
        if member_id not in keys:
            raise ValidationError("remove", f"{member_id!r} is not on the base roster")
        del keys[member_id]
        budgets.pop(member_id, None)
    for item in args.add:
        member_id, cert = _pair(item, "add")
        pem = Path(cert).read_bytes()
        role, name = certificate_role_and_name(pem)
        if role != "member" or name != member_id:
            raise ValidationError("add", f"{cert} is a {role} certificate for {name!r}, not member {member_id!r}")
        keys.setdefault(member_id, set()).add(spki_fingerprint(pem))
    for item in args.add_key:
        member_id, fingerprint = _pair(item, "add-key")
        keys.setdefault(member_id, set()).add(fingerprint.lower())
    for item in args.member_budget:
        member_id, value = _pair(item, "member-budget")
        if member_id not in keys:
            raise ValidationError("member-budget", f"{member_id!r} is not on the roster")
        if value != "default" and not value.isdigit():
            raise ValidationError("member-budget", f"expected ID=N or ID=default, got {item!r}")
        budgets[member_id] = int(value) if value != "default" else None
    version = args.version if args.version is not None else (base.version + 1 if base else 1)
    budget = args.daily_budget or (base.daily_budget if base else DEFAULT_DAILY_BUDGET)
    roster = Roster(
        version, budget, {m: RosterMember(m, frozenset(k), budgets.get(m)) for m, k in sorted(keys.items())}
    )
    path = write_signed_roster(SignedRoster(roster), args.out)
    print(f"proposed roster version {roster.version} with {len(roster.members)} members in {path}")
    print("unsigned: each key holder signs it with 'msin keyholder roster sign'")
    return 0


def _installed(config: Any) -> Any:
    from msin_fed.keyholder.roster import read_signed_roster

    if not config.roster.file.exists():
        return None
    return read_signed_roster(config.roster.file).roster


def _changes(old: Any, new: Any) -> str:
    if old is None:
        return "no roster installed here yet"
    added = sorted(set(new.members) - set(old.members))
    removed = sorted(set(old.members) - set(new.members))
    rekeyed = sorted(m for m in set(new.members) & set(old.members) if new.members[m].keys != old.members[m].keys)
    parts = [f"installed version {old.version}"]
    parts += [f"adds {', '.join(added)}"] if added else []
    parts += [f"removes {', '.join(removed)}"] if removed else []
    parts += [f"changes keys of {', '.join(rekeyed)}"] if rekeyed else []
    return "; ".join(parts)


def _sign(args: argparse.Namespace) -> int:
    from msin_fed.keyholder import load_config
    from msin_fed.keyholder.roster import load_signing_key, read_signed_roster, write_signed_roster

    config = load_config(args.config)
    key_path = Path(args.key) if args.key else config.roster.signing_key
    if key_path is None:
        raise ValidationError("key", "give --key or set roster.signing_key in the configuration")
    key = load_signing_key(key_path)
    public = bytes(key.verify_key)
    names = [n for n, k in config.roster.signers.items() if k == public]
    if not names:
        raise ValidationError("key", f"{key_path} is not one of the pinned roster.signers")
    signed = read_signed_roster(args.file)
    print(f"signing roster version {signed.roster.version} ({len(signed.roster.members)} members; "
          f"{_changes(_installed(config), signed.roster)}) as {names[0]}")
    signed = signed.signed_by(names[0], key)
    out = write_signed_roster(signed, args.out or args.file)
    valid = signed.valid_signers(config.roster.signers)
    print(f"{out}: {len(valid)} valid signature(s) of the {config.roster.threshold} needed")
    return 0


def _install(args: argparse.Namespace) -> int:
    from msin_fed.keyholder import install_roster, load_config
    from msin_fed.keyholder.usage import UsageStore

    config = load_config(args.config)
    usage = UsageStore(config.usage_db)
    try:
        roster = install_roster(args.file, config.roster, usage)
    finally:
        usage.close()
    print(f"installed roster version {roster.version} ({len(roster.members)} members) at {config.roster.file}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from msin_fed.keyholder import guesses_per_day, load_config, load_shares
    from msin_fed.keyholder.roster import read_signed_roster

    config = load_config(args.config)
    path = Path(args.file) if args.file else config.roster.file
    signed = read_signed_roster(path)
    roster = signed.roster
    dealt = load_shares(config)
    public = dealt[max(dealt)].public
    valid = signed.valid_signers(config.roster.signers)
    others = sorted(set(signed.signatures) - valid)
    print(f"roster version {roster.version} ({path})")
    print(f"daily budget: {roster.daily_budget} blinded elements per member at each key holder")
    print(f"members ({len(roster.members)}):")
    for member_id in sorted(roster.members):
        m = roster.members[member_id]
        keys = ", ".join(k[:16] for k in sorted(m.keys))
        own = f", daily budget {m.daily_budget}" if m.daily_budget is not None else ""
        print(f"  {member_id}: key {keys}{own}")
    status = "accepted" if len(valid) >= config.roster.threshold else "NOT accepted"
    print(f"signatures: {len(valid)} valid of the {config.roster.threshold} needed ({status}): "
          f"{', '.join(sorted(valid)) or 'none'}" + (f"; invalid or unpinned: {', '.join(others)}" if others else ""))
    bound = guesses_per_day(roster.daily_budget, public.holders, public.threshold)
    print(f"at most {bound} guesses per member per day across the network")
    print(f"  (each of the {public.holders} key holders answers a member at most {roster.daily_budget} "
          f"elements a day and every evaluation needs {public.threshold} of them: "
          f"floor({public.holders} x {roster.daily_budget} / {public.threshold}))")
    for member_id in sorted(roster.members):
        own_budget = roster.members[member_id].daily_budget
        if own_budget is not None:
            print(f"  {member_id}: at most {guesses_per_day(own_budget, public.holders, public.threshold)} "
                  "guesses per day (its own budget)")
    return 0


def _keygen(args: argparse.Namespace) -> int:
    from msin_fed.keyholder.roster import write_signing_key

    public = write_signing_key(args.out)
    print(bytes(public).hex())
    print(f"wrote {args.out} (0600); pin the key above as roster.signers.<this holder> at every key holder",
          flush=True)
    return 0


def register_roster(sub: Any) -> None:
    """Add ``msin keyholder roster keygen|propose|sign|install|show``."""
    from msin_fed.cli import add_commands

    parser = sub.add_parser(
        "roster", help="the membership roster a quorum of key holders signs",
        description="Propose, sign, install and show the membership roster.",
    )
    roster = add_commands(parser)
    keygen = roster.add_parser("keygen", help="create this holder's roster-signing key")
    keygen.add_argument("--out", required=True, help="key file to create (0600)")
    keygen.set_defaults(func=_keygen)
    propose = roster.add_parser("propose", help="write an unsigned roster (new, or changing --base)")
    propose.add_argument("--out", required=True, help="roster file to write")
    propose.add_argument("--base", help="the current roster to change (its version + 1 by default)")
    propose.add_argument("--version", type=int, help="roster version (default: base's + 1, or 1)")
    propose.add_argument("--daily-budget", type=int, help="elements per member per day at each holder")
    propose.add_argument("--add", action="append", default=[], metavar="ID=CERT",
                         help="add a member (or a key) from its certificate PEM")
    propose.add_argument("--add-key", action="append", default=[], metavar="ID=SHA256",
                         help="add a member key by fingerprint (SHA-256 of the SPKI, hex)")
    propose.add_argument("--remove", action="append", default=[], metavar="ID", help="remove a member")
    propose.add_argument("--member-budget", action="append", default=[], metavar="ID=N",
                         help="a member's own daily budget ('default' to drop it)")
    propose.set_defaults(func=_propose)
    sign = roster.add_parser("sign", help="add this holder's signature to a roster file")
    sign.add_argument("file", help="roster file")
    sign.add_argument("--config", required=True, help="this key holder's TOML configuration")
    sign.add_argument("--key", help="roster-signing key (default: roster.signing_key)")
    sign.add_argument("--out", help="write the signed roster here (default: in place)")
    sign.set_defaults(func=_sign)
    install = roster.add_parser("install", help="verify a signed roster and make it this holder's")
    install.add_argument("file", help="signed roster file")
    install.add_argument("--config", required=True, help="this key holder's TOML configuration")
    install.set_defaults(func=_install)
    show = roster.add_parser("show", help="print a roster, its signatures and the guessing bound")
    show.add_argument("file", nargs="?", help="roster file (default: the installed one)")
    show.add_argument("--config", required=True, help="a key holder's TOML configuration (pins, dealing)")
    show.set_defaults(func=_show)


def _endpoints(args: argparse.Namespace) -> Any:
    from msin_fed.tokenizer import HolderEndpoint

    return [HolderEndpoint(*_pair(h, "holder")) if "=" in h else HolderEndpoint(h, h) for h in args.holder]


def _print_answers(answers: dict[str, Any], line: Any) -> int:
    failed = 0
    for name, answer in answers.items():
        if isinstance(answer, Exception):
            failed += 1
            print(f"{name}: {answer}")
        else:
            print(f"{name}: {line(answer)}")
    return 1 if failed == len(answers) else 0


def _usage(args: argparse.Namespace) -> int:
    from msin_fed import pki
    from msin_fed.keyholder.usage_client import member_usage

    answers = member_usage(_endpoints(args), pki.load_identity(args.identity))
    return _print_answers(answers, lambda u: (
        f"{u.used} of {u.daily_budget} elements used on {u.day} ({u.refused} refused), resets at "
        f"{u.resets_at}; roster version {u.roster_version}; network bound {u.network_daily_bound} a day"
    ))


def _totals(args: argparse.Namespace) -> int:
    from msin_fed import pki
    from msin_fed.keyholder.usage_client import usage_totals

    answers = usage_totals(_endpoints(args), pki.load_identity(args.identity))
    return _print_answers(answers, lambda t: (
        f"{t.elements} elements for {t.members_active} of {t.members_rostered} rostered members on {t.day}; "
        f"{t.refusals} over-budget refusals ({t.members_refused} members); roster version {t.roster_version}"
    ))


class _IdentityDir(argparse.Action):
    """``--identity-dir``, also read as its deprecated old name ``--identity`` with a warning."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if option_string == "--identity":
            print("msin: warning: --identity is deprecated; use --identity-dir (the one name of this "
                  "setting everywhere)", file=sys.stderr)
        setattr(namespace, self.dest, values)


def register_usage(sub: Any) -> None:
    """Add ``msin keyholder usage`` (a member's own) and ``totals`` (STTG's view)."""
    for name, func, help_text in (
        ("usage", _usage, "a member's own use of each key holder today"),
        ("totals", _totals, "all members' use of each key holder today, summed (analyst, advisory, admin)"),
    ):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--identity-dir", "--identity", dest="identity", required=True, metavar="DIR",
                       action=_IdentityDir,
                       help="identity directory (cert.pem, key.pem, ca.pem); --identity is its old name")
        p.add_argument("--holder", action="append", required=True, metavar="[NAME=]HOST:PORT",
                       help="a key holder to ask (repeat for each)")
        p.set_defaults(func=func)

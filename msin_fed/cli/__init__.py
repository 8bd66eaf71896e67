"""The ``msin`` command: one subcommand per role.

Each area lives in its own module ``msin_fed.cli.<area>`` defining
``register(subparsers)``; a parser it adds sets ``func(args) -> int`` as its default.
Modules are imported only for the area asked for, so ``msin --help`` stays fast and
never loads Presidio or spaCy.

Exit codes: 0 success, 2 bad input (usage, validation, configuration), 1 failure.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
from collections.abc import Sequence
from typing import Any

from msin_fed.errors import ConfigError, MsinError, NotAvailableError, ValidationError

__all__ = [
    "AREAS", "EXIT_BAD_INPUT", "EXIT_FAILURE", "EXIT_OK", "add_area", "add_commands", "main", "plain_text",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2

#: area name -> one-line help. Each has a module msin_fed.cli.<module>.
AREAS: dict[str, tuple[str, str]] = {
    "node": ("node", "run and operate a member node"),
    "coordinator": ("coordinator", "run and operate STTG's coordinator"),
    "analyst": ("analyst", "STTG's analyst: clusters, alerts, actions, the audit log and cases"),
    "keyholder": ("keyholder", "run a key holder or deal the token key"),
    "ca": ("ca", "the network certificate authority"),
    "advisory": ("advisory", "the MSIN Advisory Group: mediate on cases referred to it"),
    "redact": ("redact", "redact narratives in a JSON Lines file"),
    "link": ("link", "match entity mentions across members' CSV files"),
    "demo": ("demo", "run a whole throwaway network locally and show what each party sees"),
}


_ROLE = re.compile(r":(?:mod|class|func|meth|attr|data|exc|obj|ref|doc|py:\w+):`~?([^`<]*?)(?:\s*<[^>]*>)?`")


def plain_text(doc: str) -> str:
    """A docstring as plain help text: Sphinx roles and inline literals unwrapped.

    ``:class:`~a.b.C``` reads ``C``, ``:mod:`a.b``` reads ``a.b``, a double-backquoted
    literal reads in single quotes.
    """

    def role(m: re.Match[str]) -> str:
        target = m.group(1).strip()
        return target.rsplit(".", 1)[-1] if m.group(0).split("`", 1)[1].startswith("~") else target

    text = _ROLE.sub(role, doc)
    return re.sub(r"``(.+?)``", r"'\1'", text, flags=re.DOTALL)


def add_area(
    subparsers: Any, area: str, description: str | None = None, **kwargs: Any
) -> argparse.ArgumentParser:
    """The parser of ``msin AREA``; its one-line help comes from AREAS, kept in one place.

    ``description`` may be a docstring: it is shown as plain text (:func:`plain_text`).
    """
    help_text = AREAS[area][1]
    parser: argparse.ArgumentParser = subparsers.add_parser(
        area, help=help_text, description=plain_text(description or help_text), **kwargs
    )
    return parser


def add_commands(parser: argparse.ArgumentParser, metavar: str = "SUBCOMMAND") -> Any:
    """Required nested subcommands under ``parser`` (``msin AREA COMMAND``)."""
    sub = parser.add_subparsers(dest=f"{parser.prog.split()[-1]}_command", metavar=metavar)
    sub.required = True
    return sub


class _Parser(argparse.ArgumentParser):
    """argparse that exits with EXIT_BAD_INPUT on usage errors (its default is also 2).

    Every parser, at every level, also takes the global options (``-v``), so that
    ``msin node sync -v`` works as well as ``msin -v node sync``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # SUPPRESS: a level where -v is not given leaves the value another level set.
        self.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
            help="log progress at INFO level (accepted before or after any command)",
        )

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _fail_not_landed(area: str) -> int:
    raise NotAvailableError(f"'msin {area}' is not implemented in this version yet")


def _version() -> str:
    """The installed distribution's version (the package's own when run from a checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("msin-fed")
    except PackageNotFoundError:
        from msin_fed import __version__

        return __version__


def build_parser(areas: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser; only the areas named (all by default) have their modules imported."""
    parser = _Parser(prog="msin", description="msin-fed: federated modern-slavery intelligence")
    parser.set_defaults(verbose=False)
    parser.add_argument("--version", action="version", version=f"msin {_version()}")
    sub = parser.add_subparsers(dest="area", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    wanted = set(AREAS) if areas is None else set(areas)
    for area, (module_name, help_text) in AREAS.items():
        module = None
        if area in wanted:
            try:
                module = importlib.import_module(f"msin_fed.cli.{module_name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"msin_fed.cli.{module_name}":
                    raise
        if module is None:
            stub = sub.add_parser(area, help=help_text, description=help_text)
            stub.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            stub.set_defaults(func=lambda _a, _area=area: _fail_not_landed(_area))
        else:
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``msin`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Import only the area asked for; `msin --help` imports none.
    first = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser([first] if first in AREAS else [])
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code = args.func(args)
    except (ValidationError, ConfigError) as exc:
        print(f"msin: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NotAvailableError as exc:
        print(f"msin: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except MsinError as exc:
        print(f"msin: failed: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

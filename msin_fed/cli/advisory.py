"""``msin advisory``: the Advisory Group's commands.

``case list|show|note|recommend|agree`` (see :mod:`msin_fed.cli.cases`); ``console --config
advisory.toml`` serves one adviser's web console (a separate process calling the
coordinator with that adviser's own advisory certificate, docs/console.md) and ``users
add|list|remove`` manages its accounts.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from msin_fed.cli.cases import register_advisory
from msin_fed.cli.coordinator import register_console

__all__ = ["register"]


def _console(args: argparse.Namespace) -> int:
    from msin_fed.web.advisory_console import build_advisory_console, load_advisory_config
    from msin_fed.web.server import serve

    config = load_advisory_config(Path(args.config), listen=args.listen)
    app, console = build_advisory_console(config)
    try:
        serve(app, config.console.listen, config.identity, name="advisory console")
    finally:
        console.cases.close()
    return 0


def _accounts(config: Path) -> Any:
    from msin_fed.web.accounts import AccountStore
    from msin_fed.web.advisory_console import ISSUER, load_advisory_config

    return AccountStore(load_advisory_config(config).console.users, issuer=ISSUER)


def register(subparsers: Any) -> None:
    """Add ``msin advisory`` and its subcommands."""
    register_console(register_advisory(subparsers), who="Advisory Group's", config_name="advisory.toml",
                     run=_console, accounts=_accounts)

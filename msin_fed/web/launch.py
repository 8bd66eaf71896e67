"""Starting consoles for a local network (``msin demo --serve``, the browser tests).

:func:`analyst_console_config` writes the analyst console's configuration for a
:class:`~msin_fed.demo.network.LocalNetwork`; :func:`add_account` creates a console
account in a configuration's accounts file and hands back its TOTP secret;
:func:`msin_fed.web.server.start_console` starts either console as a child process.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import tomli_w

from .accounts import AccountStore, NewAccount

if TYPE_CHECKING:
    from msin_fed.demo.network import LocalNetwork

__all__ = ["add_account", "analyst_console_config"]


def analyst_console_config(net: LocalNetwork, directory: Path, *, listen: str | None = None) -> Path:
    """Write ``console.toml`` for the network's analyst identity, coordinator and key holders."""
    from msin_fed.demo.network import ANALYST_NAME, COORDINATOR_NAME

    directory.mkdir(parents=True, exist_ok=True)
    console: dict[str, object] = {"users": "analyst-users.db"}
    if listen:
        console["listen"] = listen
    path = directory / "console.toml"
    path.write_text("# analyst console of a local network\n" + tomli_w.dumps({
        "console": console,
        "analyst": {"identity": str(net.identity_dir(ANALYST_NAME))},
        "coordinator": {"address": net.coordinator_address, "name": COORDINATOR_NAME},
        "key_holders": {"holders": [{"name": k.name, "address": k.address} for k in net.keyholders]},
    }))
    return path


def add_account(kind: str, config: Path, username: str, password: str) -> NewAccount:
    """Create an account for the node (``kind`` node) or analyst console of ``config``."""
    if kind == "node":
        from .node_console import node_console_settings

        users = node_console_settings(config).users
    else:
        from .analyst_console import load_analyst_config

        users = load_analyst_config(config).console.users
    store = AccountStore(users)
    try:
        return store.add(username, password)
    finally:
        store.close()

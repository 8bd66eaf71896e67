"""Starting consoles for a local network (``msin demo --serve``, the browser tests).

:func:`analyst_console_config` and :func:`advisory_console_config` write the analyst's
and an adviser's console configuration for a :class:`~msin_fed.demo.network.LocalNetwork`; :func:`add_account` creates a console
account in a configuration's accounts file and hands back its TOTP secret;
:func:`msin_fed.web.server.start_console` starts either console as a child process.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import tomli_w

from .accounts import AccountStore, NewAccount

if TYPE_CHECKING:
    from msin_fed.demo.network import LocalNetwork

__all__ = ["DEMO_ACCOUNT", "add_account", "advisory_console_config", "analyst_console_config", "start_demo_consoles"]

#: The account of every console ``msin demo --serve`` starts; its password is new each run.
DEMO_ACCOUNT = "demo"


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


def advisory_console_config(net: LocalNetwork, directory: Path, adviser: str, *, listen: str | None = None) -> Path:
    """Write ``advisory.toml`` for one adviser's console (``adviser``: its certificate name)."""
    from msin_fed.demo.network import COORDINATOR_NAME

    directory.mkdir(parents=True, exist_ok=True)
    console: dict[str, object] = {"users": "advisory-users.db"}
    if listen:
        console["listen"] = listen
    path = directory / "advisory.toml"
    path.write_text(f"# {adviser}'s Advisory Group console on a local network\n" + tomli_w.dumps({
        "console": console,
        "advisory": {"identity": str(net.identity_dir(adviser))},
        "coordinator": {"address": net.coordinator_address, "name": COORDINATOR_NAME},
    }))
    return path


def add_account(kind: str, config: Path, username: str, password: str) -> NewAccount:
    """Create an account for the node (``kind`` node), analyst or advisory console of ``config``."""
    if kind == "node":
        from .node_console import node_console_settings

        users = node_console_settings(config).users
    elif kind == "advisory":
        from .advisory_console import load_advisory_config

        users = load_advisory_config(config).console.users
    else:
        from .analyst_console import load_analyst_config

        users = load_analyst_config(config).console.users
    store = AccountStore(users)
    try:
        store.remove(username)  # a kept demo directory run again: a fresh secret
        return store.add(username, password)
    finally:
        store.close()


def start_demo_consoles(net: LocalNetwork, *, timeout: float = 90.0) -> list[tuple[str, str]]:
    """Every member's node console (beside its running node), the analyst console and an
    Advisory Group console for each of the first three advisers (the default quorum), each
    with the demo account; (what, address and sign-in) of each. The processes go in
    ``net.consoles``."""
    from msin_fed.demo.network import ADVISORY_NAMES
    from msin_fed.demo.processes import LOOPBACK, Process, free_port

    from .server import start_console, wait_https

    password = "demo-" + secrets.token_urlsafe(12)
    started: list[tuple[str, str, str, Process]] = []
    for member, slot in net.nodes.items():
        new = add_account("node", slot.config, DEMO_ACCOUNT, password)
        url = f"https://{LOOPBACK}:{free_port()}/"
        proc = start_console("node", slot.config, slot.directory / "console.log", listen=url[8:-1], no_sync=True)
        assert isinstance(proc, Process)
        net.consoles.append(proc)
        started.append((f"node console {member}", url, new.totp_secret, proc))
    config = analyst_console_config(net, net.root / "analyst-console")
    new = add_account("analyst", config, DEMO_ACCOUNT, password)
    url = f"https://{LOOPBACK}:{free_port()}/"
    proc = start_console("analyst", config, config.parent / "console.log", listen=url[8:-1])
    assert isinstance(proc, Process)
    net.consoles.append(proc)
    started.append(("analyst console", url, new.totp_secret, proc))
    for adviser in ADVISORY_NAMES[:3]:
        config = advisory_console_config(net, net.root / f"{adviser}-console", adviser)
        new = add_account("advisory", config, DEMO_ACCOUNT, password)
        url = f"https://{LOOPBACK}:{free_port()}/"
        proc = start_console("advisory", config, config.parent / "console.log", listen=url[8:-1])
        assert isinstance(proc, Process)
        net.consoles.append(proc)
        started.append((f"Advisory Group console {adviser}", url, new.totp_secret, proc))
    for _what, url, _secret, proc in started:
        wait_https(url + "sign-in", timeout=timeout, process=proc)
    return [
        (what, f"{url}  sign in as {DEMO_ACCOUNT}, password {password}, TOTP secret {secret}")
        for what, url, secret, _proc in started
    ]

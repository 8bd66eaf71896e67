"""A throwaway 2-of-3 key-holder network on loopback, over real mutual TLS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from keyholder_net import EPOCH, ROSTERED, SK, Network, roster_of, signed, write_config

from msin_fed import pki, threshold
from msin_fed.keyholder import KeyHolderServicer, load_config, running
from msin_fed.tokenizer import HolderEndpoint


@pytest.fixture(scope="session")
def dealing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dealing")
    threshold.write_dealing(threshold.deal(2, 3, EPOCH, secret=SK), out)
    return out


@pytest.fixture
def start_network(
    tmp_path: Path, dealing_dir: Path, make_identity: Callable[[str, str], pki.Identity]
) -> Iterator[Callable[..., Network]]:
    """``start_network(names=..., servicers={name: cls}, members=..., budget=..., **limits)``.

    Every holder starts with a roster of ``members`` (member identities by name) signed by
    kh1 and kh2, or with ``roster`` when given (None: ``roster=False`` installs none).
    """
    with ExitStack() as stack:

        def start(
            names: tuple[str, ...] = ("kh1", "kh2", "kh3"),
            servicers: dict[str, type[KeyHolderServicer]] | None = None,
            members: tuple[str, ...] = ROSTERED,
            budget: int = 100_000_000,
            roster: object = None,
            **limits: float,
        ) -> Network:
            if roster is None:
                roster = signed(roster_of([make_identity("member", m) for m in members], budget=budget))
            endpoints, configs, dirs = [], [], []
            for j, name in enumerate(names, 1):
                identity = make_identity("keyholder", name)
                assert identity.directory is not None
                d = tmp_path / name
                d.mkdir()
                cfg = load_config(
                    write_config(
                        d, identity.directory, dealing_dir / f"holder-{j}.share.json",
                        roster=roster or None, **limits,  # type: ignore[arg-type]
                    )
                )
                cls = (servicers or {}).get(name)
                srv = stack.enter_context(running(cfg, grace=0, servicer_class=cls))
                endpoints.append(HolderEndpoint(name, f"127.0.0.1:{srv.port}"))
                configs.append(cfg)
                dirs.append(d)
            return Network(
                threshold.load_public(dealing_dir / "public.json"), endpoints, configs, dirs
            )  # type: ignore[arg-type]

        yield start

"""A throwaway 2-of-3 key-holder network on loopback, over real mutual TLS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from keyholder_net import EPOCH, SK, Network, write_config

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
    """``start_network(names=..., servicers={name: cls}, **limits)`` -> Network."""
    with ExitStack() as stack:

        def start(
            names: tuple[str, ...] = ("kh1", "kh2", "kh3"),
            servicers: dict[str, type[KeyHolderServicer]] | None = None,
            **limits: float,
        ) -> Network:
            endpoints, configs, dirs = [], [], []
            for j, name in enumerate(names, 1):
                identity = make_identity("keyholder", name)
                assert identity.directory is not None
                d = tmp_path / name
                d.mkdir()
                cfg = load_config(
                    write_config(
                        d, identity.directory, dealing_dir / f"holder-{j}.share.json", **limits
                    )  # type: ignore[arg-type]
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

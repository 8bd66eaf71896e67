"""The linkage package's public surface is what ``__all__`` says."""

from __future__ import annotations

import msin_fed.linkage as linkage
import msin_fed.token_inputs as token_inputs


def test_all_names_exist() -> None:
    for module in (linkage, token_inputs):
        for name in module.__all__:
            assert hasattr(module, name), name


def test_every_weighted_kind_can_be_emitted() -> None:
    assert set(linkage.DEFAULT_MODEL.weights) == set(linkage.token_kinds())

"""``msin_fed.node.__all__`` lists exactly the public names, each documented."""

from __future__ import annotations

import msin_fed.node as node


def test_all_is_honest_and_documented() -> None:
    public = {n for n in dir(node) if not n.startswith("_")} - {
        "api", "cases", "config", "keys", "store", "share", "delivery", "codec", "views", "annotations",
    }
    assert set(node.__all__) == public
    for name in node.__all__:
        assert getattr(node, name).__doc__, name

"""A member's nominated user, scripted: import a file and share every report in it.

Run as its own process (``python -m msin_fed.demo.agent --config node.toml REPORTS
[MENTIONS] --tlp AMBER``), the way a member's compliance tool would embed the node API
(:class:`msin_fed.node.Node`). Shares are only queued in the node's durable outbox;
``msin node run`` delivers them. Prints one JSON object: counts and the local report ids
shared or refused (with the refusal reason, which names types and positions only).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from msin_fed.errors import MsinError, RedactionRefused

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Import, then share every imported report; exit 0 when every share was queued."""
    parser = argparse.ArgumentParser(prog="python -m msin_fed.demo.agent", description=__doc__)
    parser.add_argument("--config", required=True, help="node TOML configuration")
    parser.add_argument("reports", help="canonical reports CSV")
    parser.add_argument("mentions", nargs="?", help="canonical mentions CSV")
    parser.add_argument("--tlp", default="AMBER", help="TLP marking for every share (default AMBER)")
    args = parser.parse_args(argv)

    from msin_fed.node import Node, load_config

    shared: list[str] = []
    refused: dict[str, str] = {}
    try:
        with Node.open(config=load_config(args.config)) as node:
            ids = node.import_file(Path(args.reports), Path(args.mentions) if args.mentions else None).report_ids
            for report_id in ids:
                handling = node.report(report_id).grade.handling.value
                try:
                    node.share(report_id, tlp=args.tlp, handling=handling)
                except RedactionRefused as exc:
                    refused[report_id] = str(exc)
                    continue
                shared.append(report_id)
            outbox = node.outbox_size()
    except MsinError as exc:
        print(f"agent: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"imported": len(ids), "shared": shared, "refused": refused, "outbox": outbox}))
    return 0 if not refused else 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

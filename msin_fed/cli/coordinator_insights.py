"""``msin coordinator report`` and ``msin coordinator insights``: analysts' views of the store.

``report --month YYYY-MM --out DIR`` writes the monthly HTML report and its PNG charts
(``--stix FILE`` also writes the STIX 2.1 bundle); ``insights`` prints the same
suppressed aggregates as tables, with progress on stderr for large stores. Both read the
store named by the coordinator configuration (``--config``, whose optional
``[insights]`` table sets the publication rules) or by ``--store``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msin_fed.config_file import read_toml
from msin_fed.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from msin_fed.coordinator.insights import InsightConfig, Insights

__all__ = ["register_insights"]

#: Above this many records, ``insights`` reports progress on stderr.
PROGRESS_FROM = 5000


def _read_config(path: str | None) -> tuple[dict[str, Any], dict[str, Any], Path | None]:
    """(insights table, the rest, file) of a coordinator TOML file."""
    if path is None:
        return {}, {}, None
    p = Path(path)
    data = read_toml(p)
    table = data.pop("insights", {})
    if not isinstance(table, dict):
        raise ConfigError(str(p), "insights", "must be a table")
    return table, data, p


@contextmanager
def _opened(args: argparse.Namespace) -> Iterator[tuple[Any, InsightConfig]]:
    from msin_fed.coordinator.insights import InsightConfig
    from msin_fed.coordinator.insights._store import StoreSource
    from msin_fed.coordinator.store import SharedStore

    table, rest, file = _read_config(args.config)
    cfg = InsightConfig.from_mapping(table, str(file) if file else "<config>")
    url: str | None = args.store
    if url is None and file is not None:
        from msin_fed.coordinator.config import config_from_mapping

        url = config_from_mapping(rest, file.parent, str(file)).store_url
    if url is None:
        raise ConfigError("-", "--config", "give the coordinator configuration (--config FILE) or --store")
    if "://" not in url and not Path(url).expanduser().exists():
        raise ConfigError(str(file or "-"), "store.url", "no store at that path")
    store = SharedStore(url)
    try:
        yield StoreSource(store), cfg
    finally:
        store.close()


def _month(args: argparse.Namespace) -> str:
    if args.month:
        return str(args.month)
    now = _dt.datetime.now(_dt.UTC)
    return f"{now.year:04d}-{now.month:02d}"


def _progress(total: int) -> Callable[[int], None] | None:
    if total < PROGRESS_FROM:
        return None

    def show(done: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rread {done} of {total} records ({100 * done // max(total, 1)}%)", end=end,
              file=sys.stderr, flush=True)

    return show


def _compute(args: argparse.Namespace) -> Insights:
    from msin_fed.coordinator.insights import compute_insights

    with _opened(args) as (source, cfg):
        return compute_insights(source, _month(args), cfg, progress=_progress(source.count_records()))


def _report(args: argparse.Namespace) -> int:
    from msin_fed.coordinator.insights import write_report, write_stix

    ins = _compute(args)
    page = write_report(ins, args.out)
    print(f"wrote {page}")
    if args.stix:
        print(f"wrote {write_stix(ins, args.stix)}")
    return 0


def _insights(args: argparse.Namespace) -> int:
    from msin_fed.coordinator.insights import format_insights

    sys.stdout.write(format_insights(_compute(args)))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="coordinator TOML configuration (its [insights] table sets the rules)")
    p.add_argument("--store", help="shared store path or SQLAlchemy URL (default: the config's [store] url)")


def register_insights(sub: Any) -> None:
    """Add ``report`` and ``insights`` to the ``msin coordinator`` subcommands."""
    report = sub.add_parser(
        "report",
        help="write the monthly insight report (HTML and PNG charts)",
        description="Write the monthly insight report: an HTML page and PNG charts holding only "
        "suppressed aggregates and redacted alert texts, for analysts to mail to members.",
    )
    report.add_argument("--month", required=True, help="report month, YYYY-MM")
    report.add_argument("--out", required=True, help="directory to write index.html and the charts into")
    report.add_argument("--stix", metavar="FILE", help="also write the STIX 2.1 bundle of the month to FILE")
    _common(report)
    report.set_defaults(func=_report)
    insights = sub.add_parser(
        "insights",
        help="print the suppressed aggregates as tables",
        description="Print the aggregates of the report (suppressed) as tables in the terminal.",
    )
    insights.add_argument("--month", help="month, YYYY-MM (default: this month)")
    _common(insights)
    insights.set_defaults(func=_insights)

"""The bundled demo data set: valid in the canonical layout, with what the demo relies on."""

from __future__ import annotations

import csv

from msin_fed import canonical, normalize
from msin_fed.demo import dataset
from msin_fed.model import Assessment, Handling, SourceEvaluation


def test_every_member_file_loads_with_the_canonical_validator() -> None:
    for member in dataset.MEMBERS:
        reports, mentions = dataset.data_files(member)
        loaded = canonical.load(reports, mentions)
        assert 10 <= len(loaded.reports) <= 20
        assert all(r.mentions for r in loaded.reports)
        assert all(r.reporter for r in loaded.reports)


def test_the_alert_report_is_actionable_and_time_sensitive() -> None:
    reports, mentions = dataset.data_files(dataset.ALERT_MEMBER)
    report = next(r for r in canonical.load(reports, mentions).reports if r.report_id == dataset.ALERT_REPORT)
    assert report.time_sensitive
    assert (report.grade.source, report.grade.assessment, report.grade.handling) == (
        SourceEvaluation.RELIABLE, Assessment.A, Handling.P,
    )
    others = [
        r for m in dataset.MEMBERS for r in canonical.load(*dataset.data_files(m)).reports if r.time_sensitive
    ]
    assert [r.report_id for r in others] == [dataset.ALERT_REPORT]


def test_identifiers_are_fictional() -> None:
    phones, emails = [], []
    for member in dataset.MEMBERS:
        with dataset.data_files(member)[1].open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["phone"]:
                    phones.append(normalize.phone(row["phone"]))
                if row["email"]:
                    emails.append(row["email"])
    # Ofcom's range for drama (07700 900000-900999) and RFC 2606 example domains.
    assert phones and all(p.startswith("+447700900") for p in phones)
    assert emails and all(e.rsplit("@", 1)[1].startswith("example.") for e in emails)

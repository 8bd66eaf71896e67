"""The monthly report: HTML and PNG charts, rendered in headless Chromium, nothing planted in it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from insights_data import MEMBERS, PLANTED, rich_data
from msin_fed.coordinator.insights import InsightData, compute_insights, write_report
from msin_fed.coordinator.insights._charts import CHART_FILES
from PIL import Image, ImageStat

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Marks, once the page has loaded, how many images decoded (naturalWidth > 0).
PROBE = (
    "<script>window.addEventListener('load',function(){var im=document.images,ok=0;"
    "for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0)ok++;}"
    "var p=document.createElement('p');p.id='probe';p.textContent='loaded '+ok+' of '+im.length;"
    "document.body.appendChild(p);});</script></body>"
)


def _chromium() -> str | None:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None and os.environ.get("MSIN_REQUIRE_CHROMIUM"):
        pytest.fail("MSIN_REQUIRE_CHROMIUM is set but chromium is not installed")
    return found


def _not_blank(png: Path) -> None:
    with Image.open(png) as im:
        stat = ImageStat.Stat(im.convert("L"))
        assert im.width > 300 and im.height > 200
        assert stat.stddev[0] > 10, f"{png.name} looks blank"
        assert len(im.convert("RGB").getcolors(1 << 20) or ()) > 20, f"{png.name} has too few colours"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One report for the module: drawing the charts is the slow part."""
    return write_report(compute_insights(rich_data(), "2026-10"), tmp_path_factory.mktemp("report"))


def test_report_files_and_charts(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    for name in CHART_FILES.values():
        assert (report.parent / name).is_file()
        assert f'src="{name}"' in html
        _not_blank(report.parent / name)
    assert "Lessons learned" in html and "Alerts this month" in html
    assert "TLP:AMBER" in html  # an AMBER record and alert are in it


def test_report_makes_no_network_request(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"(?i)\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", html)
    assert "@import" not in html and "url(" not in html
    assert "Content-Security-Policy" in html


def test_no_planted_identifier_in_report(report: Path, data: InsightData) -> None:
    forbidden = [*PLANTED, *MEMBERS, "rec-", "cluster-internal", "alert-1", "RED ALERT", "AMBER STRICT ALERT",
                 "7700", "900461"]
    forbidden += [t.value.hex()[:16] for r in data.records[:3] for t in r.tokens]
    for f in sorted(report.parent.iterdir()):
        blob = f.read_bytes().decode("latin-1").lower()
        for s in forbidden:
            assert s.lower() not in blob, f"an identifier reached {f.name}"


def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (set MSIN_REQUIRE_CHROMIUM=1 to make this a failure)")
    # 1. The page itself, screenshotted.
    shot = tmp_path / "shot.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}",
             "--window-size=1200,2000", report.as_uri()],
            check=True, capture_output=True, timeout=60,
        )
    _not_blank(shot)
    with Image.open(shot) as im:
        rgb = im.convert("RGB")
        # The heat map's reds and the trend lines' blue must be on screen, not just text.
        colours = {c for _, c in rgb.getcolors(1 << 22) or ()}
        assert any(r > 150 and g < 90 and b < 90 for r, g, b in colours), "no heat-map red on screen"
        assert any(b > 130 and r < 60 for r, g, b in colours), "no chart blue on screen"
    # 2. A copy with a probe script (the page's policy allows no script) counting decoded images.
    html = report.read_text(encoding="utf-8")
    html = re.sub(r'(http-equiv="Content-Security-Policy" content="[^"]*)"',
                  r"\1; script-src &#x27;unsafe-inline&#x27;" + '"', html).replace("</body>", PROBE)
    probe = report.parent / "probe.html"  # beside the page, so the images resolve alike
    probe.write_text(html, encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
             "--dump-dom", probe.as_uri()],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout
    n = len(CHART_FILES)
    probe.unlink()
    assert f'id="probe">loaded {n} of {n}<' in dom

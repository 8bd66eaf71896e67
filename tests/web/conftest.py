"""Fixtures for the console tests: the distribution's Chromium driven by Playwright, and a
directory for screenshots kept as test artifacts."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The end-to-end helpers (signed submissions, import files, waiting) are shared with tests/e2e.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))

CHROMIUM = os.environ.get("MSIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $MSIN_ARTIFACTS when set, else a directory under pytest's tmp dir."""
    chosen = os.environ.get("MSIN_ARTIFACTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("console-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium from the distribution (never a downloaded browser).

    Skips when it is missing, except under MSIN_REQUIRE_CHROMIUM=1 (CI), where it fails.
    """
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        if os.environ.get("MSIN_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"MSIN_REQUIRE_CHROMIUM=1 but no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()

"""Helpers for driving console pages: sign in, screenshot and axe-check every page seen."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()
SEVERE = ("serious", "critical")


@dataclass
class PageLog:
    """Every page checked: its screenshot and the axe violations that are serious or critical."""

    directory: Path
    shots: list[Path] = field(default_factory=list)
    severe: dict[str, list[str]] = field(default_factory=dict)
    #: Console messages of the browser that report a Content-Security-Policy violation.
    csp_violations: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        """Record every CSP violation the browser reports on ``page``; the page."""
        def seen(message: Any) -> None:
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
                self.csp_violations.append(message.text)

        page.on("console", seen)
        return page

    def check(self, page: Any, name: str) -> None:
        """Screenshot the page (full height) and run axe-core on it."""
        page.wait_for_load_state("load")
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.directory / f"{len(self.shots) + 1:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        # The HTML as served holds no inline script and no style attribute (the CSP forbids
        # both; the browser's own reports of violations are collected by watch()).
        if page.url.startswith("http"):
            served = page.request.get(page.url).text()
            inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=", served)
            if inline:
                self.severe.setdefault(name, []).append(f"inline script or style in the HTML: {inline[:3]}")
        result = _AXE.run(page)
        found = [f"{v['id']} ({v['impact']}): {v['help']}" for v in result.response["violations"]
                 if v.get("impact") in SEVERE]
        if found:
            self.severe.setdefault(name, []).extend(found)


def sign_in(page: Any, url: str, user: str, password: str, code: str) -> None:
    """Fill and send the sign-in form."""
    page.goto(url + "/sign-in")
    page.fill("#username", user)
    page.fill("#password", password)
    page.fill("#code", code)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state("load")

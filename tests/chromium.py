"""The Chromium the browser tests drive: Debian's, as its headless shell when installed.

Playwright runs a headless shell for headless Chromium wherever it can download one; Debian
ships the same build as `chromium-headless-shell`. Same Blink and V8 as `/usr/bin/chromium`,
without the browser's own windows: the full browser in headless mode still draws its tab strip
in a renderer of its own, which was half of Chromium's CPU time in the suite (two cores shared
with the servers and the tests).
"""

from __future__ import annotations

from pathlib import Path

HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")
FULL_BROWSER = Path("/usr/bin/chromium")

ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    # This machine has no outside network: stop Chromium from trying, many times per start.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def executable() -> str:
    return str(HEADLESS_SHELL if HEADLESS_SHELL.exists() else FULL_BROWSER)

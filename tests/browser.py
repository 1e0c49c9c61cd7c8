"""Headless Chromium for the tests: Debian's package, offline flags, where screenshots go.

The flags keep Chromium off the network (this machine has none beyond the package registries)
and give it software WebGL (SwiftShader) for CesiumJS. Each run gets a new, empty profile.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

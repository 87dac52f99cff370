"""The HTML editions on a phone: real headless Chromium, a 390 × 844 CSS-pixel viewport.

Headless Chromium will not make its window narrower than 500 px, so each bulletin is opened
in an ``<iframe>`` 390 px wide (its document gets exactly that viewport, as on a phone) from a
page served by a local HTTP server (same origin, so the probe can read the frame). The probe
measures what a leader would notice: a page wider than the screen, table or body text too
small to read, charts that do not use the width, text that vanishes in dark mode.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from reportflow.bulletin import publish
from reportflow.config import Settings
from tests.bulletin_snapshot import PERIOD, write_snapshot

PHONE_WIDTH, PHONE_HEIGHT = 390, 844

PROBE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="f" src="{src}" width="{width}" height="{height}" style="border:0"></iframe>
<script>
addEventListener("load", () => {{
  const d = document.getElementById("f").contentDocument, w = d.defaultView;
  const px = e => parseFloat(w.getComputedStyle(e).fontSize);
  const sizes = q => [...d.querySelectorAll(q)].map(px);
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({{
    viewport: w.innerWidth,
    page: d.documentElement.scrollWidth,
    table: Math.min(...sizes("td, th")),
    body: Math.min(...sizes(".summary p, p.lead")),
    tiles: [...d.querySelectorAll(".tile")].map(t => t.getBoundingClientRect().left)
      .filter((x, i, all) => all.indexOf(x) === i).length,
    charts: [...d.querySelectorAll("svg.trend")].map(s => s.getBoundingClientRect().width),
    scheme: w.getComputedStyle(d.documentElement).colorScheme,
    meta: (d.querySelector('meta[name="color-scheme"]') || {{}}).content || "",
  }});
  document.body.appendChild(out);
}});
</script></body></html>"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A published month, its folder served over HTTP on localhost."""
    home = Settings(home=tmp_path_factory.mktemp("phone") / "home")
    write_snapshot(home.snapshot_dir, {"2026-09": True, PERIOD: True})
    publish(home, PERIOD)
    folder = home.period_bulletin_dir(PERIOD)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", folder
    server.shutdown()


def measure(base: str, folder: Path, page: str) -> dict:
    """Open ``page`` at phone width in headless Chromium and return the probe's readings."""
    probe = folder / "probe.html"
    probe.write_text(
        PROBE.format(src=quote(page), width=PHONE_WIDTH, height=PHONE_HEIGHT), encoding="utf-8"
    )
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=500,900",
         "--virtual-time-budget=5000", "--dump-dom", f"{base}/probe.html"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize(
    "page",
    [
        "湛江市党建指导员工作月报_2026-10.html",
        "湛江市党建指导员工作月报_湛江经济技术开发区_2026-10.html",
    ],
)
def test_bulletin_reads_on_a_phone(served: tuple[str, Path], page: str) -> None:
    base, folder = served
    reading = measure(base, folder, page)
    assert reading["viewport"] == PHONE_WIDTH
    assert reading["page"] <= PHONE_WIDTH  # no sideways scrolling of the whole page
    assert reading["table"] >= 13  # the smallest table text is legible
    assert reading["body"] >= 15
    assert reading["tiles"] <= 2  # tiles reflow; not four squeezed into a row
    assert len(reading["charts"]) == 6
    assert min(reading["charts"]) >= 0.85 * (PHONE_WIDTH - 2 * 14)  # charts take the width
    assert reading["scheme"] == "light" and reading["meta"] == "light"


def test_archive_page_reads_on_a_phone(served: tuple[str, Path]) -> None:
    base, folder = served
    (folder / "index.html").write_bytes((folder.parent / "index.html").read_bytes())
    reading = measure(base, folder, "index.html")
    assert reading["page"] <= PHONE_WIDTH
    assert reading["table"] >= 13

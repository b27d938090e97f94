"""``matchflow report`` after a real replay into PostgreSQL: a self-contained
page whose every chart headless Chromium renders (each figure's part of a
screenshot is checked for drawn pixels)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support.processes import MATCHFLOW

WIDTH = 1200
# Test-only instrumentation: write each figure's box and the page height into the DOM.
MEASURE = """<script>
window.addEventListener('load', () => {
  const boxes = [...document.querySelectorAll('figure.chart')].map(f => {
    const r = f.getBoundingClientRect();
    return {id: f.id, x: r.x, y: r.y + window.scrollY, w: r.width, h: r.height};
  });
  const out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify({height: document.body.scrollHeight, boxes});
  document.body.appendChild(out);
});
</script>"""


def chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def report(db: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MATCHFLOW, "report", "--db", db, "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def page(dashboard_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    done = report(dashboard_db, out)
    assert done.returncode == 0, done.stderr
    return out


def measure(page: Path) -> dict:
    probe = page.with_name("measure.html")
    probe.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    done = chromium(f"--window-size={WIDTH},1000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_the_page_is_self_contained_with_every_view(page):
    text = page.read_text()
    assert "<script" not in text and "<link" not in text and "http://" not in text.split("<svg")[0]
    assert not re.search(r'(src|href)="https?://', text)
    for league in ("E0", "SP1"):
        for chart in ("bankroll", "rolling-rps", "calibration"):
            assert f'id="{chart}-{league}"' in text
    assert text.count("<h3>Season table") == 2 and "2022-23" in text
    assert "Drift alarms" in text  # the mirrored season set the monitor off


def test_chromium_renders_every_chart(page):
    layout = measure(page)
    assert len(layout["boxes"]) == 6
    shot = page.with_name("report.png")
    done = chromium(
        f"--window-size={WIDTH},{layout['height']}", f"--screenshot={shot}", page.as_uri()
    )
    assert shot.exists(), done.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    for box in layout["boxes"]:
        assert box["w"] > 300 and box["h"] > 200, box
        crop = image.crop(
            (int(box["x"]), int(box["y"]), int(box["x"] + box["w"]), int(box["y"] + box["h"]))
        )
        pixels = np.asarray(crop).reshape(-1, 3).astype(int)
        drawn = float((pixels.sum(axis=1) < 720).mean())  # clearly darker than white
        colours = len(np.unique(pixels, axis=0))
        assert drawn > 0.02 and colours > 20, f"{box['id']}: {drawn:.3f} drawn, {colours} colours"


def test_one_league_and_bad_arguments(dashboard_db, tmp_path):
    out = tmp_path / "e0.html"
    assert report(dashboard_db, out, "--leagues", "E0").returncode == 0
    assert 'id="bankroll-E0"' in out.read_text() and "SP1" not in out.read_text()
    bad = report(dashboard_db, tmp_path / "x.html", "--league", "XX")
    assert bad.returncode == 2 and "--league" in bad.stderr and "E0" in bad.stderr
    bad = report("sqlite:///" + str(tmp_path / "missing.db"), tmp_path / "x.html")
    assert bad.returncode == 2 and "db" in bad.stderr
    bad = report(dashboard_db, tmp_path / "no" / "dir" / "x.html")
    assert bad.returncode == 2 and "--out" in bad.stderr

"""Benchmark of the workspace's action queue (issue 9) in real Chromium through gunicorn.

On the 20,000-character document with 1,000 spans (bench_annotate's data), every workspace
POST held 300 ms by Playwright routing, the annotator labels 20 words 100 ms apart. For each
key press: how long until the pending mark is in the page, and whether it is there in the
first animation frame after the press (the target: drawn within one frame). Also counted:
POST requests per action (the target: exactly one) and whether every span landed.
Prints figures against the targets; asserts nothing (DEVELOPERS.md).

    .venv/bin/python bench/bench_queue.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_annotate  # noqa: E402  (the same data and server set-up)

ROOT = HERE.parent
CHROMIUM = "/usr/bin/chromium"
ACTIONS = 20
LATENCY_MS = 300

MEASURE = """() => {
  window.__measured = null;
  const done = (figures) => { window.__measured = figures; };
  document.addEventListener('keydown', () => {
    const t0 = performance.now();
    let drawn = null;
    const seen = new MutationObserver(() => {
      if (drawn === null && document.querySelector('[data-doc-text] [data-pending-label]')) {
        drawn = performance.now() - t0;
      }
    });
    seen.observe(document.querySelector('[data-doc-text]'), {subtree: true, childList: true});
    requestAnimationFrame(() => {
      seen.disconnect();
      const frame = performance.now() - t0;
      done({drawn_ms: drawn, first_frame_ms: frame, in_first_frame: drawn !== null});
    });
  }, {once: true, capture: true});
}"""

SELECT = """([start, end]) => {
  const root = document.querySelector('[data-doc-text]');
  const at = (cp) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node, remaining = cp;
    while ((node = walker.nextNode())) {
      const chars = Array.from(node.data);
      if (remaining <= chars.length) return [node, chars.slice(0, remaining).join('').length];
      remaining -= chars.length;
    }
  };
  root.focus();
  getSelection().setBaseAndExtent(...at(start), ...at(end));
}"""


def main() -> dict[str, float]:
    if not Path(CHROMIUM).exists():
        print(f"skipped: {CHROMIUM} is not installed (apt-get install chromium)")
        return {}
    from playwright.sync_api import sync_playwright

    bench_annotate._setup_django()
    path, _version, session_key, _text, free_words = bench_annotate._make_data()
    port = bench_annotate._free_port()
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "newsreview.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results, posts = [], []
    try:
        time.sleep(2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies(
                [{"name": "sessionid", "value": session_key, "domain": "127.0.0.1", "path": "/"}]
            )
            page = context.new_page()

            def hold(route):
                if route.request.method == "POST":
                    posts.append(route.request.url)
                    page.wait_for_timeout(LATENCY_MS)
                route.continue_()

            page.route("**/annotate/**", hold)
            page.goto(f"http://127.0.0.1:{port}{path}")
            persons = "[data-doc-text] [data-span-id][data-label=PERS][tabindex]"
            before = page.locator(persons).count()
            for start, end in free_words[:ACTIONS]:
                page.evaluate(SELECT, [start, end])
                page.evaluate(MEASURE)
                page.keyboard.press("p")
                page.wait_for_function("() => window.__measured !== null")
                results.append(page.evaluate("window.__measured"))
                page.wait_for_timeout(100)
            page.wait_for_function(
                "() => document.querySelector('[data-annotate]').dataset.unsaved === '0'",
                timeout=60_000,
            )
            landed = page.locator(persons).count() - before
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    drawn = sorted(r["drawn_ms"] for r in results if r["drawn_ms"] is not None)
    figures = {
        "pending drawn after key (ms) p50": statistics.median(drawn),
        "pending drawn after key (ms) max": drawn[-1],
        "first frame after key (ms) p50": statistics.median(r["first_frame_ms"] for r in results),
        "presses drawn in 1st frame (%)": 100
        * sum(r["in_first_frame"] for r in results)
        / len(results),
        "POSTs per action": len(posts) / ACTIONS,
        "spans landed (of 20)": landed,
    }
    targets = {
        "presses drawn in 1st frame (%)": ("=", 100),
        "POSTs per action": ("=", 1),
        "spans landed (of 20)": ("=", ACTIONS),
    }
    print(
        f"action queue: {ACTIONS} labels, POSTs held {LATENCY_MS} ms, 1,000-span document, Chromium"
    )
    print(f"{'figure':<36}{'measured':>10}{'target':>8}  ok")
    for name, value in figures.items():
        target = targets.get(name)
        ok = "" if target is None else ("yes" if value == target[1] else "NO")
        print(f"{name:<36}{value:>10.1f}{'' if target is None else '= ' + str(target[1]):>8}  {ok}")
    return figures


if __name__ == "__main__":
    main()

"""Report generator speed on one core: `generate` per report (all three templates), and the
text and HTML renderings. The archive bench generates 100,000 reports, so `generate` should
stay well under a millisecond and an HTML page around two.

`python -m bench.reportgen_bench [--n 20000]`.
"""
from __future__ import annotations

import argparse
import time

from reportgen import generate, render_html, render_text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000, help="reports generated per template")
    n = ap.parse_args().n
    for template in ("2021", "2019", "pre2019"):
        start = time.process_time()
        reports = [generate(seed, template) for seed in range(n)]
        gen = (time.process_time() - start) / n
        k = max(1, n // 10)
        start = time.process_time()
        for r in reports[:k]:
            render_text(r, "tabs")
        text = (time.process_time() - start) / k
        start = time.process_time()
        for r in reports[:k]:
            render_html(r, "trs")
        html = (time.process_time() - start) / k
        print(f"{template:8} generate {gen * 1e3:.3f} ms/report · render_text {text * 1e3:.3f} ms · "
              f"render_html {html * 1e3:.3f} ms")


if __name__ == "__main__":
    main()

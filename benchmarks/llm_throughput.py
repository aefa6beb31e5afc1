"""kind: llm against a local endpoint answering in 50 ms: is the build bound by the endpoint?

Run: .venv/bin/python benchmarks/llm_throughput.py [--rows 1000] [--concurrency 32]
     [--latency 0.05]

The OpenAI-compatible test server (tests/llm_server.py) runs in this process on 127.0.0.1,
every answer delayed by ``--latency`` seconds. A fresh registry builds a recipe of ``--rows``
rows, each a uuid plus one llm column (plus the default de-duplication: exact and MinHash),
with `/usr/bin/time -v phantom materialize RECIPE`; then builds it again (every response
cached). Reported:

- sampling s / rows/s: from the "sampling" progress line to the "scoring" one (the model
  calls, the cache, de-duplication and the parquet shards);
- concurrency used: the most requests the server had in flight at once (its own count);
- ideal s: calls x latency / concurrency, what an endpoint-bound build needs;
- Phantom overhead: sampling s - ideal s (and per call);
- baseline: the same number of calls made by a bare `openai` client from a thread pool of the
  same size, in this process (no templates, cache or parquet): the endpoint-bound floor
  measured on this machine in this run; the ratio is Phantom's sampling time over it;
- wall s and peak RSS of the whole `phantom` process (`/usr/bin/time -v`), for the first
  build and the cached rebuild (which must make no calls and give the same content hash).

Measured (2 CPUs shared with six other jobs, load average ~12; 1,000 rows, concurrency 32,
50 ms; the server, in this process, competes for the same CPUs):

                              wall s  sampling s   rows/s  peak RSS MB
    first build                 14.7        7.11      141          233
    cached rebuild              10.6        1.68      594          227
    concurrency used (server's max in flight): 32 of 32
    ideal (calls x latency / concurrency): 1.56 s
    Phantom overhead: 5.55 s (5.55 ms per call)
    baseline, bare openai client, same calls and pool: 6.25 s (max in flight 32);
    Phantom sampling / baseline = 1.14x

All 32 slots were in use, and a bare client making the same calls from the same pool needed
about as long (6.3 s vs 7.1 s): on this machine the calls are bound by the client and the
Python test server sharing two busy CPUs, not by Phantom. Phantom's own work per row
(template, cache lookup, MinHash, parquet) is what the cached rebuild shows: 1.7 s for
1,000 rows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from process_figures import time_v_figures  # noqa: E402

from tests.llm_server import LlmServer  # noqa: E402

RECIPE = """\
name: llm-bench
version: 1.0.0
generator:
  kind: llm
  models:
    fast: {{base_url: "{url}", model: bench, concurrency: {concurrency}}}
  columns:
    - {{name: id, type: uuid}}
    - {{name: note, type: llm, model: fast, prompt: "Write one line about item {{{{ id }}}}"}}
rows: {rows}
random_seed: 1
"""


def build(registry: Path, recipe: Path) -> dict[str, float]:
    """`/usr/bin/time -v phantom materialize RECIPE`, timing its progress lines as they come."""
    command = ["/usr/bin/time", "-v", str(Path(sys.executable).parent / "phantom")]
    process = subprocess.Popen(
        [*command, "materialize", str(recipe)],
        cwd=registry,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    marks: dict[str, float] = {}
    lines: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            for word in ("sampling", "scoring"):
                if line.strip().startswith(word) and word not in marks:
                    marks[word] = time.perf_counter()

    reader = threading.Thread(target=read)
    reader.start()
    process.wait()
    reader.join()
    text = "".join(lines)
    if process.returncode != 0:
        raise SystemExit(f"phantom materialize failed:\n{text}")
    figures = time_v_figures(text)
    return {
        "wall": figures["wall"],
        "sampling": marks["scoring"] - marks["sampling"],
        "rss_mb": figures["rss"],
    }


def baseline(url: str, calls: int, concurrency: int) -> float:
    """Seconds for ``calls`` requests from a bare openai client in a thread pool."""
    import openai

    client = openai.OpenAI(base_url=url, api_key="bench", max_retries=0)

    def call(i: int) -> str:
        reply = client.chat.completions.create(
            model="bench", messages=[{"role": "user", "content": f"baseline {i}"}], seed=i
        )
        return reply.choices[0].message.content or ""

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(call, range(calls)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    from registry import Registry

    with tempfile.TemporaryDirectory() as tmp, LlmServer(latency=args.latency) as server:
        registry = Path(tmp) / "registry"
        Registry.init(registry, remote=Path(tmp) / "remote")
        recipe = registry / "recipes" / "llm-bench.yaml"
        recipe.write_text(
            RECIPE.format(url=server.url, concurrency=args.concurrency, rows=args.rows)
        )
        first = build(registry, recipe)
        calls, in_flight = server.calls, server.max_in_flight
        manifest = json.loads((registry / "data/llm-bench/manifest.json").read_text())
        again = build(registry, recipe)
        rebuilt = json.loads((registry / "data/llm-bench/manifest.json").read_text())
        assert server.calls == calls, "the cached rebuild made calls"
        assert rebuilt["content_hash"] == manifest["content_hash"]
        server.max_in_flight = 0
        floor = baseline(server.url, calls, args.concurrency)
        floor_in_flight = server.max_in_flight

    ideal = calls * args.latency / args.concurrency
    overhead = first["sampling"] - ideal
    print(f"rows {args.rows:,}, {calls:,} calls, latency {args.latency * 1000:.0f} ms, "
          f"concurrency {args.concurrency}")  # fmt: skip
    print(f"{'':24}{'wall s':>8}{'sampling s':>12}{'rows/s':>9}{'peak RSS MB':>13}")
    for name, run in (("first build", first), ("cached rebuild", again)):
        print(
            f"{name:24}{run['wall']:8.1f}{run['sampling']:12.2f}"
            f"{args.rows / run['sampling']:9.0f}{run['rss_mb']:13.0f}"
        )
    print(f"concurrency used (server's max in flight): {in_flight} of {args.concurrency}")
    print(f"ideal (calls x latency / concurrency): {ideal:.2f} s")
    print(f"Phantom overhead: {overhead:.2f} s ({overhead / calls * 1000:.2f} ms per call)")
    print(
        f"baseline, bare openai client, same calls and pool: {floor:.2f} s "
        f"(max in flight {floor_in_flight}); Phantom sampling / baseline = "
        f"{first['sampling'] / floor:.2f}x"
    )
    print(f"manifest: {manifest['generation']}; rebuild: {rebuilt['generation']}")


if __name__ == "__main__":
    main()

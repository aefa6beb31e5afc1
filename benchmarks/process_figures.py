"""What a person waits for: a whole process's figures, as ``/usr/bin/time -v`` reports them.

Every benchmark that times a whole command (interpreter start, imports, work and exit) runs it
under GNU time and reads the same three figures from its report; they are read here, once.
"""

from __future__ import annotations

import math
import re
import statistics
import subprocess

FIELDS = {
    "wall": "Elapsed (wall clock) time (h:mm:ss or m:ss)",
    "user": "User time (seconds)",
    "system": "System time (seconds)",
    "rss": "Maximum resident set size (kbytes)",
}


def time_v_figures(report: str) -> dict[str, float]:
    """``wall`` and ``cpu`` (user + system) seconds and peak ``rss`` (MiB) from the text of a
    ``/usr/bin/time -v`` report; NaN for a figure the report lacks."""
    found = {}
    for key, name in FIELDS.items():
        match = re.search(rf"^\s*{re.escape(name)}: (.+)$", report, re.MULTILINE)
        found[key] = match.group(1).strip() if match else None
    wall = math.nan
    if found["wall"] is not None:
        minutes, _, seconds = found["wall"].rpartition(":")
        wall = float(seconds) + 60 * sum(
            float(part) * 60**i for i, part in enumerate(reversed(minutes.split(":"))) if part
        )
    user, system, rss = (found[key] for key in ("user", "system", "rss"))
    return {
        "wall": wall,
        "cpu": math.nan if user is None or system is None else float(user) + float(system),
        "rss": math.nan if rss is None else int(rss) / 1024,
    }


def measured(command: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one run of ``command``."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=False
    )
    if result.returncode not in (0, 1):  # 1: a quality gate was missed, still a full run
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    figures = time_v_figures(result.stderr)
    missing = [key for key, value in figures.items() if math.isnan(value)]
    if missing:
        raise SystemExit(f"/usr/bin/time printed no {', '.join(missing)}:\n{result.stderr}")
    return figures


def summary(runs: list[dict[str, float]]) -> dict[str, float]:
    """The median of each figure over ``runs``."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


__all__ = ["measured", "summary", "time_v_figures"]

"""Large tidy CSV files for the streaming benchmark (``stream_csv``), generated deterministically.

:func:`valid_csv` writes about ``megabytes`` MB of valid rows in the tidy layout: indicators x quarters
(Q1 1990-91 to the last quarter ended), each row repeating the indicator's definition (name,
priority, directorate, portfolio holder, unit, polarity, frequency, counts people) beside its period,
actual, target, RAG and a sentence of commentary (often with a comma or quotes, so quoted), about 240
bytes a row, the shape published data and the editors' export have. 200 MB is then 830,000 rows,
within the reader's limit (``readers.MAX_ROWS``, 1,048,576; ``max_rows`` stops at a number of rows
instead, for a file at that limit: about 250 MB).

:func:`bad_csv` writes about ``megabytes`` MB of rows that each have a problem (an actual that is not a
number): a file that must be refused, of any size (beyond the row limit too).

Run as a script to write them by hand::

    python -m benchmarks.stream_files /tmp/stream 200
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.generated import DIRECTORATES as GENERATED_DIRECTORATES
from benchmarks.generated import PRIORITIES
from harrow_dash.rules.periods import Period

HEADER = (
    "ref,name,priority,directorate,portfolio_holder,unit,polarity,frequency,counts_people,"
    "period,actual,target,rag,commentary\n"
)
# The generated history's priorities and its first five directorates with their portfolio holders.
DIRECTORATES = GENERATED_DIRECTORATES[:5]
SUBJECTS = (
    "FOI requests answered on time",
    "Household waste recycled",
    "Missed bin collections per 100,000",
    "Days to process a new benefit claim",
    "Council tax collected",
    "Homeless households in temporary accommodation",
    "Potholes repaired within 28 days",
    "Library visits",
)
COMMENTS = (
    "Performance improved after the new system went live.",
    "Below target, owing to staff vacancies; recruitment is under way.",
    "On track; the team expects to meet the annual target.",
    'Seasonal dip, as in previous years ("winter pressures").',
    "Data validated by the service manager.",
    "Demand rose sharply this quarter, so waiting times lengthened.",
)
FIRST = Period(1990, 1)


def _quarters(n: int) -> list[str]:
    out = []
    p = FIRST
    for _ in range(n):
        out.append(p.label)
        p = Period(p.fy_start + 1, 1) if p.quarter == 4 else Period(p.fy_start, p.quarter + 1)
    return out


def _available_quarters() -> int:
    """Quarters from Q1 1990-91 up to the one before the quarter in progress (a later one is
    refused as not started)."""
    now = Period.in_progress()
    return (now.fy_start - FIRST.fy_start) * 4 + now.quarter - 1


def _definition(i: int) -> tuple[str, str, bool]:
    """(the row's definition text up to the period, unit, whether it is a percentage)."""
    unit = ("%", "count", "days")[i % 3]
    directorate, portfolio = DIRECTORATES[i % len(DIRECTORATES)]
    polarity = "lower is better" if unit == "days" else "higher is better"
    name = f"{SUBJECTS[i % len(SUBJECTS)]} ({i:05d})"
    text = (
        f'PI-{i:05d},"{name}",{PRIORITIES[i % 3]},"{directorate}","{portfolio}",{unit},'
        f"{polarity},quarterly,no,"
    )
    return text, unit, unit == "%"


def _write(
    path: Path, megabytes: float, bad: bool, max_rows: int | None = None, revised: bool = False
) -> dict[str, int]:
    quarters = _quarters(_available_quarters())
    limit = int(megabytes * 1_000_000)
    max_rows = max_rows or 10**12
    written = len(HEADER)
    rows = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(HEADER)
        i = 0
        while written < limit:
            text, unit, pct = _definition(i)
            lines = []
            for q, label in enumerate(quarters):
                seed = (i * 7919 + q * 104729) % 1000
                actual = f"{40 + seed % 60}.{seed % 10}" if pct else f"{seed + 1}"
                if bad:
                    actual = f"about {actual}"
                target = "90%" if pct else f"{500 if unit == 'count' else 30}"
                if revised:  # every target one higher: every stored value replaced
                    target = "91%" if pct else f"{501 if unit == 'count' else 31}"
                rag = "GAR"[seed % 3]
                comment = COMMENTS[(i + q) % len(COMMENTS)]
                comment = (
                    '"' + comment.replace('"', '""') + '"'
                    if "," in comment or '"' in comment
                    else comment
                )
                lines.append(f"{text}{label},{actual},{target},{rag},{comment}\n")
            lines = lines[: max_rows - rows]
            block = "".join(lines)
            if written + len(block) > limit or rows + len(lines) >= max_rows:
                # the last indicator: only as many rows as still fit
                keep = []
                for line in lines:
                    if written + len(line) > limit:
                        break
                    keep.append(line)
                    written += len(line)
                fh.write("".join(keep))
                rows += len(keep)
                break
            fh.write(block)
            written += len(block)
            rows += len(lines)
            i += 1
    return {"rows": rows, "bytes": path.stat().st_size, "indicators": i + 1}


def valid_csv(
    path: Path, megabytes: float = 200, max_rows: int | None = None, revised: bool = False
) -> dict[str, int]:
    """About ``megabytes`` MB of valid tidy rows (at most ``max_rows``); returns the rows, bytes and
    indicators written. ``revised``: the same rows with every target one higher."""
    return _write(path, megabytes, bad=False, max_rows=max_rows, revised=revised)


def bad_csv(path: Path, megabytes: float = 200) -> dict[str, int]:
    """About ``megabytes`` MB of tidy rows whose every actual is not a number."""
    return _write(path, megabytes, bad=True)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bench-output")
    mb = float(sys.argv[2]) if len(sys.argv) > 2 else 200
    out.mkdir(parents=True, exist_ok=True)
    print("valid", valid_csv(out / f"stream-valid-{mb:.0f}mb.csv", mb))
    print("bad", bad_csv(out / f"stream-bad-{mb:.0f}mb.csv", mb))

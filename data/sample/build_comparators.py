"""Build the illustrative comparator (benchmarking) sample: every London borough's value for 18 of the
sample indicators, as LG Inform and Oflog downloads are shaped, and one named comparison group.

Called by ``build_sample.py`` (which adds the ``benchmark_measure`` column to ``indicators.csv``);
writes next to this script:

* ``comparators.csv``  one row per area per measure per period (ONS GSS area codes)
* ``comparison_groups.csv``  one row per area of the illustrative "Statistical neighbours" group

ALL figures are invented. Harrow's own rows repeat its (invented) sample actuals, so its rank agrees
with the rest of the sample; the other boroughs' values are drawn with a fixed seed around the sample's
"London average" benchmark where the indicator has one (so the two agree), else around Harrow's value.
Small counts of people are written as ``[c]`` (suppressed), as the publishers do, and a few areas have
no figure for a period, so the sample shows both.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harrow_dash.areas import HARROW, LONDON_BOROUGHS  # noqa: E402

SEED = 20240201
OUT = Path(__file__).resolve().parent
SOURCE = "LG Inform (illustrative sample, not real figures)"

# Indicator -> (comparator measure id, measure name as the publisher writes it).
MEASURES = {
    "PI-04": ("ILL-CTAX-01", "Council tax collected in year, cumulative (%)"),
    "PI-05": ("ILL-NNDR-01", "Business rates collected in year, cumulative (%)"),
    "PI-06": ("ILL-HR-01", "Working days lost to sickness absence per FTE"),
    "PI-07": ("ILL-PLAN-01", "Major planning applications decided on time (%)"),
    "PI-08": ("ILL-PLAN-02", "Minor planning applications decided on time (%)"),
    "PI-12": ("ILL-WASTE-01", "Household waste sent for reuse, recycling or composting (%)"),
    "PI-13": ("ILL-WASTE-02", "Residual household waste per household (kg)"),
    "PI-14": ("ILL-ENV-01", "Fly-tipping incidents"),
    "PI-20": ("ILL-ECON-01", "High street vacancy rate (%)"),
    "PI-24": ("ILL-HOUS-01", "Homelessness cases where homelessness was prevented (%)"),
    "PI-31": ("ILL-CSC-01", "Children's social care assessments within 45 working days (%)"),
    "PI-32": ("ILL-EDU-01", "Overall absence rate in schools (%)"),
    "PI-33": ("ILL-EDU-02", "Suspensions per 100 pupils"),
    "PI-34": ("ILL-SEND-01", "EHC plans issued within 20 weeks (%)"),
    "PI-37": ("ILL-HOUS-02", "Rough sleepers seen on a single night"),
    "PI-38": (
        "ILL-NEET-01",
        "16-17 year olds not in education, employment or training or not known",
    ),
    "PI-42": ("ILL-ASC-01", "Older people at home 91 days after reablement (%)"),
    "PI-44": ("ILL-EDU-03", "Pupils achieving grade 5 or above in English and maths (%)"),
}

# Illustrative statistical neighbours for Harrow (outer London boroughs of similar make-up).
NEIGHBOURS = (
    "E09000015",  # Harrow
    "E09000003",  # Barnet
    "E09000005",  # Brent
    "E09000009",  # Ealing
    "E09000017",  # Hillingdon
    "E09000018",  # Hounslow
    "E09000026",  # Redbridge
    "E09000021",  # Kingston upon Thames
    "E09000029",  # Sutton
    "E09000024",  # Merton
    "E09000010",  # Enfield
)
GROUP = "Statistical neighbours (illustrative)"


def _year_label(quarter_label: str) -> str:
    return quarter_label.split(" ", 1)[1]


def _value(harrow: float, unit: str, spread: float, size: float) -> float:
    if unit == "%":
        # Spread on the log-odds scale, so a percentage near 100 stays below 100.
        p = min(0.995, max(0.005, harrow / 100))
        odds = math.log(p / (1 - p)) + 2.5 * math.log(spread)
        return round(100 / (1 + math.exp(-odds)), 1)
    value = harrow * spread * (size if unit == "count" else 1.0)
    if unit == "count":
        return float(max(0, round(value)))
    return round(value, 2)


def build(indicators: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comparator values and the comparison group, from the sample indicators frame."""
    rng = random.Random(SEED)
    sizes = {code: math.exp(rng.gauss(0, 0.35)) for code in LONDON_BOROUGHS}
    sizes[HARROW] = 1.0
    rows = []
    for ref, (measure, measure_name) in MEASURES.items():
        ind = indicators[indicators["ref"] == ref]
        unit = str(ind["unit"].iloc[0])
        annual = str(ind["frequency"].iloc[0]) == "annual"
        people = str(ind["counts_people"].iloc[0]) == "yes"
        level = {code: math.exp(rng.gauss(0, 0.12)) for code in LONDON_BOROUGHS}
        # Centre the boroughs' levels so the group's median sits on the centre value.
        middle = sorted(v for c, v in level.items() if c != HARROW)[len(level) // 2 - 1]
        level = {code: v / middle for code, v in level.items()}
        level[HARROW] = 1.0
        actuals = pd.to_numeric(ind["actual"], errors="coerce")
        # Other boroughs centre on the sample's London average where it gives one, so the two
        # illustrative benchmarks agree; elsewhere on Harrow's own value.
        centres = pd.to_numeric(ind["benchmark"], errors="coerce").fillna(actuals)
        for rec, actual, centre in zip(ind.itertuples(), actuals, centres, strict=True):
            if pd.isna(actual):
                continue
            period = _year_label(rec.period) if annual else rec.period
            for code, name in LONDON_BOROUGHS.items():
                if code == HARROW:
                    value = float(actual)
                else:
                    noise = math.exp(rng.gauss(0, 0.05))
                    value = _value(float(centre), unit, level[code] * noise, sizes[code])
                    if rng.random() < 0.01:
                        continue  # this area has no figure for this period
                text = "[c]" if people and 0 < value < 5 else f"{value:g}"
                rows.append((code, name, measure, measure_name, period, text, SOURCE))
    values = pd.DataFrame(
        rows,
        columns=[
            "Area code",
            "Area name",
            "Measure id",
            "Measure name",
            "Period",
            "Value",
            "Source",
        ],
    ).drop_duplicates(["Area code", "Measure id", "Period"])
    group = pd.DataFrame({"Group": GROUP, "Area code": list(NEIGHBOURS)})
    return values, group


def add_benchmark_measures(indicators: pd.DataFrame) -> pd.DataFrame:
    out = indicators.copy()
    out["benchmark_measure"] = out["ref"].map(lambda r: MEASURES.get(r, (None,))[0])
    return out


def write(indicators: pd.DataFrame) -> None:
    values, group = build(indicators)
    values.to_csv(OUT / "comparators.csv", index=False, encoding="utf-8", lineterminator="\n")
    group.to_csv(OUT / "comparison_groups.csv", index=False, encoding="utf-8", lineterminator="\n")

"""Disclosure control: nothing derived from a suppressed count gives the count away.

The rule (harrow_dash.rules.disclosure): a fact worked out from a suppressed value (RAG, direction of travel,
a place among the movers, a chart position) is shown only if it is the same for every value the hidden
cell could hold: 0 to threshold - 1 by default (``suppress_zero``), 1 to threshold - 1 with it off, when
a 0 is shown as 0. The main test is the invariance property itself: a generated
data set is loaded into a real DuckDB file and, for each suppressed cell, every output (page data as
Streamlit sends it, chart specs, CSV, Excel, the briefing pack, the slides, the public tidy export) is
rendered once for each possible hidden value, 0 among them. The outputs must be identical. The same
property is checked with ``suppress_zero`` off for a few cells (there the hidden values are 1 to 4 and
a 0 is shown).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from apptest_helpers import clear_streamlit_caches, run_page
from hypothesis import given
from hypothesis import strategies as st

from harrow_dash.outputs import explore, open_data, slides, views
from harrow_dash.outputs.briefing import briefing_document
from harrow_dash.outputs.charts import describe_trend, monthly_frame, trend_chart
from harrow_dash.outputs.export_files import csv_bytes, excel_bytes, export_context
from harrow_dash.outputs.exports import tidy_export
from harrow_dash.rules.disclosure import WITHHELD, disclosed, hidden_values
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period, parse_period
from harrow_dash.rules.rag import compute_rag
from harrow_dash.rules.scorecard import RuleSettings, add_travel, rate
from harrow_dash.rules.suppression import SmallNumbers
from harrow_dash.rules.travel import Travel, direction_of_travel
from harrow_dash.store import Store, schema

RULES = RuleSettings()  # the defaults: threshold 5, zero hidden too
THRESHOLD = RULES.suppression_threshold
ZERO_SHOWN = RuleSettings(suppress_zero=False)
PRIORITY = "A place where those in need are supported"
QUARTERS = [
    "Q1 2022-23",
    "Q2 2022-23",
    "Q3 2022-23",
    "Q4 2022-23",
    "Q1 2023-24",
    "Q2 2023-24",
    "Q3 2023-24",
]

# -- the rule itself --------------------------------------------------------------------------------


def test_hidden_values_are_zero_to_threshold_minus_one_by_default() -> None:
    assert list(hidden_values(5)) == [0, 1, 2, 3, 4]
    assert list(hidden_values(10)) == list(range(0, 10))
    assert list(hidden_values(RULES.small_numbers)) == [0, 1, 2, 3, 4]


def test_hidden_values_start_at_one_when_zero_is_shown() -> None:
    assert list(hidden_values(ZERO_SHOWN.small_numbers)) == [1, 2, 3, 4]
    assert list(hidden_values(SmallNumbers(10, zero=False))) == list(range(1, 10))


def test_a_rating_of_a_hidden_zero_is_withheld_when_zero_is_suppressed() -> None:
    """PI-39, Q3 2023-24: 0 against a target of 0, lower is better. Green would mean 0."""

    def rating(v: float) -> object:
        return compute_rag(v, 0, "lower")

    assert disclosed(rating, [0], [True], RULES.small_numbers) is WITHHELD
    assert disclosed(rating, [0], [False], ZERO_SHOWN.small_numbers).value == "Green"


def test_a_rating_that_pins_a_hidden_count_is_withheld() -> None:
    """PI-41, Q1 2023-24: 'fewer than 5' against a target of 3, lower is better. Red would mean 4."""
    rating = disclosed(lambda v: compute_rag(v, 3, "lower"), [4], [True])
    assert rating is WITHHELD


def test_a_rating_every_hidden_value_shares_is_shown() -> None:
    """Lower is better with a target of 10: any count from 0 to 4 is Green, so Green may show."""
    assert disclosed(lambda v: compute_rag(v, 10, "lower"), [4], [True]).value == "Green"


def test_direction_between_two_hidden_counts_is_withheld() -> None:
    """PI-41, Q3 2023-24: both quarters suppressed; 'worsening' would give their order."""

    def travel(a: float, e: float) -> Travel:
        return direction_of_travel(a, e, "lower")

    assert disclosed(travel, [2, 1], [True, True]) is WITHHELD


def test_direction_from_a_large_count_to_a_hidden_one_is_shown() -> None:
    def travel(a: float, e: float) -> Travel:
        return direction_of_travel(a, e, "lower")

    assert disclosed(travel, [3, 50], [True, False]) is Travel.IMPROVING


def test_nothing_hidden_is_the_fact_itself() -> None:
    assert disclosed(lambda v: v * 2, [21], [False]) == 42


# -- the rule applied to whole tables (fast, many cases) ----------------------------------------------

_cell = st.one_of(st.none(), st.integers(0, 12).map(float))


@given(
    polarity=st.sampled_from(["higher", "lower", "band"]),
    target=st.one_of(st.none(), st.integers(0, 12).map(float)),
    width=st.integers(0, 4).map(float),
    tolerance=st.sampled_from([None, 0.05, 0.5]),
    official=st.sampled_from([None, "Green", "Amber", "Red"]),
    prev=_cell,
    year=_cell,
    zero=st.booleans(),
    pick=st.integers(0, THRESHOLD),
)
def test_rated_rows_read_the_same_whatever_the_hidden_count(
    polarity: str,
    target: float | None,
    width: float,
    tolerance: float | None,
    official: str | None,
    prev: float | None,
    year: float | None,
    zero: bool,
    pick: int,
) -> None:
    """The columns a page, file or chart shows are the same for every hidden value of the actual:
    0 to 4 when zero is suppressed, 1 to 4 when it is not."""
    rules = RuleSettings(suppress_zero=zero)
    could_be = list(hidden_values(rules.small_numbers))
    hidden = float(could_be[pick % len(could_be)])

    def shown(actual: float) -> dict[str, object]:
        row = {
            "actual": actual,
            "target": target,
            "target_upper": None if target is None else target + width,
            "polarity": polarity,
            "tolerance": tolerance,
            "official_rag": official,
            "frequency": "quarterly",
            "not_due": False,
            "unit": "count",
            "counts_people": True,
            "prev_actual": prev,
            "year_actual": year,
        }
        out = add_travel(rate(pd.DataFrame([row]), rules), rules)
        cols = ["rag", "rag_text", "computed_rag", "official_rag", "rag_note", "actual_text"]
        cols += ["state", "travel_prev_text", "travel_year_text", "travel_text"]
        return {c: out[c].iloc[0] for c in cols}

    assert shown(hidden) == shown(float(could_be[0]))
    assert shown(hidden)["actual_text"] == "fewer than 5"


# -- the invariance property over every output --------------------------------------------------------


def _ind(ref, name, polarity, unit, values, target, people=True, upper=None, tol=None, rags=None):
    """Rows of the indicator file for one indicator; ``values`` per quarter of QUARTERS."""
    rows = []
    for i, (q, v) in enumerate(zip(QUARTERS, values, strict=True)):
        t = target[i] if isinstance(target, list) else target
        rows.append(
            [
                ref, name, f"What {name.lower()} measures.", PRIORITY, "People - Children",
                "Children's Services", unit, polarity, "" if tol is None else tol, "quarterly",
                "yes" if people else "no", "Generated", q, "" if v is None else v,
                "" if t is None else t, "" if upper is None else upper,
                (rags or {}).get(q, ""), f"Commentary for {ref} in {q}.", "", "",
            ]
        )  # fmt: skip
    return rows


HEADER = [
    "ref", "name", "description", "priority", "directorate", "portfolio_holder", "unit", "polarity",
    "tolerance", "frequency", "counts_people", "source", "period", "actual", "target",
    "target_upper", "rag", "commentary", "benchmark", "benchmark_label",
]  # fmt: skip


def generated_rows() -> list[list[object]]:
    """Small counts placed where each derived fact is at risk (values per quarter, Q1 2022-23 on)."""
    return (
        # Target 3, lower is better: a hidden 4 would be Red, 1 to 3 Green (the PI-41 defect), and
        # two hidden quarters in a row (Q2, Q3 2023-24).
        _ind("G-01", "Re-referrals", "lower", "count", [6, 7, 2, 0, 4, 1, 2], 3)
        # Target 10, lower is better: every hidden value is Green.
        + _ind("G-02", "Repeat plans", "lower", "count", [12, 8, 6, 9, 2, 11, 4], 10)
        # Higher is better, target 20: every hidden value is Red; an official rating on one.
        + _ind(
            "G-03",
            "Foster carers",
            "higher",
            "count",
            [25, 30, 22, 18, 3, 24, 1],
            20,
            rags={"Q1 2023-24": "Red", "Q3 2023-24": "Green"},
        )  # fmt: skip
        # A target band 2 to 6 with a wide tolerance: 1 is Amber, 2 to 4 Green.
        + _ind("G-04", "Placements", "band", "count", [5, 7, 8, 8, 4, 1, 6], 2, upper=6, tol=0.5)
        # No target: never rated; zero is not suppressed.
        + _ind("G-05", "Adoptions", "higher", "count", [8, 0, 6, 2, 0, 7, 3], None)
        # Not a count of people: never suppressed, moves a lot (a mover beside the hidden ones).
        + _ind(
            "G-06", "Council tax collected", "higher", "%", [29, 56, 84, 97, 28.5, 56.5, 84.1], 85
        )
        + _ind("G-07", "Visits on time", "higher", "%", [80, 82, 79, 85, 88, 70, 91], 85)
    )


HIGHLIGHTS = [
    ["period", "priority", "kind", "text", "indicator_ref", "action_ref"],
    ["Q1 2023-24", PRIORITY, "improvement", "Re-referrals need attention.", "G-01", ""],
    ["Q3 2023-24", PRIORITY, "achievement", "Foster carers recruited.", "G-03", ""],
]


# Corrective actions on the indicators at risk, so "What we said we would do" (which asks whether an
# indicator is Red this quarter and last) is among the outputs compared: G-03 is Red for every hidden
# value in Q1 2023-24; G-01's ratings are withheld in the quarters it is hidden.
CORRECTIVE = [
    ["action_id", "subject_kind", "subject", "action", "owner", "portfolio_holder",
     "agreed_quarter", "agreed_at", "due_quarter", "quarter", "status", "update",
     "dropped_reason", "internal_note"],
    ["CA-G-1", "indicator", "G-03", "Recruit more foster carers.", "Head of Fostering", "",
     "Q1 2023-24", "", "Q2 2023-24", "Q1 2023-24", "agreed", "Campaign planned.", "", ""],
    ["CA-G-1", "indicator", "G-03", "Recruit more foster carers.", "Head of Fostering", "",
     "Q1 2023-24", "", "Q2 2023-24", "Q2 2023-24", "in progress", "Campaign running.", "", ""],
    ["CA-G-2", "indicator", "G-01", "Review re-referrals.", "Head of Early Help", "",
     "Q4 2022-23", "", "Q1 2023-24", "Q4 2022-23", "agreed", "", "", ""],
    ["CA-G-2", "indicator", "G-01", "Review re-referrals.", "Head of Early Help", "",
     "Q4 2022-23", "", "Q1 2023-24", "Q1 2023-24", "done", "Reviewed.", "", ""],
]  # fmt: skip


def _write(path: Path, rows: list[list[object]]) -> Path:
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def generated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_generated_db(tmp_path_factory.mktemp("disclosure"))


def build_generated_db(folder: Path) -> Path:
    """The generated data set loaded by the real importer into a DuckDB file in ``folder``."""
    from harrow_dash.ingest.load import FileInput, commit, prepare

    inds = _write(folder / "indicators.csv", [HEADER, *generated_rows()])
    hls = _write(folder / "highlights.csv", HIGHLIGHTS)
    corrective = _write(folder / "corrective_actions.csv", CORRECTIVE)
    db = Store(f"duckdb:///{folder / 'generated.duckdb'}")
    db.init()
    plan = prepare(db, [FileInput(p.name, p.read_bytes()) for p in (inds, hls)])
    assert plan.ok, plan.problems
    commit(db, plan, "tester")
    # Corrective actions name indicators, so they load once the indicators are there.
    plan = prepare(db, [FileInput(corrective.name, corrective.read_bytes())])
    assert plan.ok, plan.problems
    commit(db, plan, "tester")
    for label in QUARTERS:  # published, so the public view and the open data hold them
        db.publish(parse_period(label), "tester")
    db.dispose()
    return folder / "generated.duckdb"


@dataclass(frozen=True)
class Cell:
    ref: str
    period: Period

    def __str__(self) -> str:
        return f"{self.ref} {self.period.label}"


def suppressed_cells(rules: RuleSettings = RULES) -> list[Cell]:
    """The cells of the generated data that ``rules`` hide (written out here, not by the rule)."""
    low = 0 if rules.suppress_zero else 1
    cells = []
    for row in generated_rows():
        value, people = row[13], row[10] == "yes"
        if people and value != "" and low <= float(value) < THRESHOLD:  # type: ignore[arg-type]
            cells.append(Cell(str(row[0]), parse_period(str(row[12]))))
    return cells


def test_zero_cells_are_among_the_hidden_ones_only_when_zero_is_suppressed() -> None:
    zero = Cell("G-01", parse_period("Q4 2022-23"))  # a 0 in the generated data
    assert zero in suppressed_cells(RULES)
    assert zero not in suppressed_cells(ZERO_SHOWN)
    assert set(suppressed_cells(ZERO_SHOWN)) < set(suppressed_cells(RULES))


def _set_actual(db: Store, cell: Cell, value: float) -> None:
    v = schema.indicator_values
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(v)
            .where(v.c.ref == cell.ref, v.c.period == cell.period.key)
            .values(actual=value)
        )


def _quarters_touched(cell: Cell) -> list[Period]:
    """The quarters whose outputs can depend on the cell: its own, the next, a year later."""
    last = parse_period(QUARTERS[-1])
    wanted = [cell.period, cell.period.shift(1), cell.period.shift(4)]
    return [p for p in wanted if p <= last]


def _zip_parts(data: bytes, skip: tuple[str, ...] = ("docProps/",)) -> dict[str, str]:
    """The parts of an Office file (the document, not its creation time)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {
            n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist() if not n.startswith(skip)
        }


def render_outputs(
    db: Store, period: Period, charted: list[str], rules: RuleSettings = RULES
) -> dict[str, object]:
    """Every output for ``period``, as the viewer or the file receives it, with the trend charts of
    ``charted`` (a chart is drawn from its own indicator's history only), under ``rules``."""
    rule = rules.small_numbers
    filters = Filters(period=period)
    names = {int(r.id): str(r.name) for r in db.priorities().itertuples()}
    out: dict[str, object] = {}
    ov = views.overview(db, filters, rules)
    assert ov is not None
    inds = ov.indicators
    refs = list(inds["ref"])
    lines = views.trend_lines(db, refs, period, rules)
    sparks = lines.as_dict()
    listing = explore.indicator_list(inds, lines)
    download = explore.indicator_download(listing)
    out["indicator list"] = listing.drop(columns=["rag"]).to_json()
    out["indicator sparklines"] = json.dumps(sparks, sort_keys=True)
    out["rag counts"] = json.dumps(
        [ov.indicator_counts, [p.indicator_counts for p in ov.priorities]]
    )
    out["movements"] = json.dumps([[m.text for m in p.movements] for p in ov.priorities])
    out["rag changes"] = ov.rag_changes.drop(columns=[], errors="ignore").to_json()
    out["improvements"] = ov.improvements.to_json()
    out["deteriorations"] = ov.deteriorations.to_json()
    out["follow up"] = repr(ov.follow_up)
    context = export_context("Indicators", filters, names, False, rule)
    out["indicators csv"] = csv_bytes(download, rule)
    out["indicators excel"] = _zip_parts(excel_bytes(download, context, "Indicators", rule))
    histories = {r: views.indicator_histories(db, [r], rules, period) for r in refs}
    for ref, hist in histories.items():
        facts = explore.indicator_facts(inds.set_index("ref").loc[ref].to_dict() | {"ref": ref})
        out[f"facts {ref}"] = repr(facts)
        out[f"trend table {ref}"] = explore.trend_table(hist).to_json()
        out[f"trend alt text {ref}"] = describe_trend(hist)
        if ref in charted:
            out[f"trend chart {ref}"] = trend_chart(hist, threshold=rule).to_json()
    trends = explore.trend_download(histories, dict(zip(inds["ref"], inds["name"], strict=True)))
    out["trends csv"] = csv_bytes(trends, rule)
    items = explore.highlight_items(
        db.highlights(filters, all_periods=True), period, inds, pd.DataFrame()
    )
    out["highlights csv"] = csv_bytes(explore.highlights_download(items), rule)
    doc = briefing_document(ov, filters, names, False, rule, today=dt.date(2024, 1, 1))
    out["briefing pack"] = _zip_parts(doc)
    deck = slides.build_deck(ov)
    out["slides"] = [slides.slide_html(s, len(deck), period, False) for s in deck.slides]
    public = db.public_view()
    tidy = tidy_export(public.tidy_values(), rules, public=True)
    out["public tidy export"] = tidy.to_csv(index=False)
    package = open_data.build(public, rules, created=dt.datetime(2024, 1, 1))
    out["open data package"] = {n: hashlib.sha256(b).hexdigest() for n, b in package.items()}
    return out


@pytest.fixture
def generated_store(generated_db: Path, tmp_path: Path) -> Iterator[Store]:
    target = tmp_path / "generated.duckdb"
    shutil.copyfile(generated_db, target)
    db = Store(f"duckdb:///{target}")
    yield db
    db.dispose()


def _differences(a: dict[str, object], b: dict[str, object]) -> list[str]:
    return [k for k in a if a[k] != b.get(k)] + [k for k in b if k not in a]


def _assert_invariant(db: Store, cell: Cell, rules: RuleSettings) -> None:
    """Render every output once per value the cell could hold under ``rules``: all identical."""
    renders: dict[float, dict[str, object]] = {}
    for value in hidden_values(rules.small_numbers):
        _set_actual(db, cell, float(value))
        outputs: dict[str, object] = {}
        for period in _quarters_touched(cell):
            for name, content in render_outputs(db, period, [cell.ref], rules).items():
                outputs[f"{period.label}: {name}"] = content
        renders[value] = outputs
    assert (0 in renders) is rules.suppress_zero
    lowest = min(renders)
    first = renders[lowest]
    for value, outputs in renders.items():
        assert not _differences(first, outputs), (
            f"{cell}: with {value} instead of {lowest} hidden, these outputs change: "
            f"{_differences(first, outputs)}"
        )


@pytest.mark.parametrize("cell", suppressed_cells(), ids=str)
def test_no_output_depends_on_which_small_count_is_hidden_zero_included(
    generated_store: Store, cell: Cell
) -> None:
    """With zero suppressed (the default) every output is the same for a hidden 0, 1, 2, 3 or 4."""
    _assert_invariant(generated_store, cell, RULES)


# A few cells (a rating pinned, two hidden quarters in a row, a band): the other setting.
ZERO_SHOWN_CELLS = [
    Cell("G-01", parse_period("Q1 2023-24")),
    Cell("G-01", parse_period("Q3 2023-24")),
    Cell("G-04", parse_period("Q2 2023-24")),
]


@pytest.mark.parametrize("cell", ZERO_SHOWN_CELLS, ids=str)
def test_no_output_depends_on_which_small_count_is_hidden_with_zero_shown(
    generated_store: Store, cell: Cell
) -> None:
    """With ``suppress_zero`` off a hidden cell is 1 to 4, and every output is the same for each."""
    assert cell in suppressed_cells(ZERO_SHOWN)
    _assert_invariant(generated_store, cell, ZERO_SHOWN)


def test_a_zero_is_shown_openly_only_when_zero_is_not_suppressed(generated_store: Store) -> None:
    """G-01 is 0 in Q4 2022-23: 'fewer than 5' in every output by default, '0' with the setting off."""
    period = parse_period("Q4 2022-23")
    on = render_outputs(generated_store, period, ["G-01"], RULES)
    off = render_outputs(generated_store, period, ["G-01"], ZERO_SHOWN)
    on_csv = pd.read_csv(io.BytesIO(on["indicators csv"]), skiprows=0)  # type: ignore[arg-type]
    off_csv = pd.read_csv(io.BytesIO(off["indicators csv"]), skiprows=0)  # type: ignore[arg-type]
    actual = [c for c in on_csv.columns if c.lower().startswith("actual")][0]
    on_row = on_csv[on_csv.iloc[:, 0] == "G-01"].iloc[0]
    off_row = off_csv[off_csv.iloc[:, 0] == "G-01"].iloc[0]
    assert str(on_row[actual]) == "fewer than 5"
    assert float(off_row[actual]) == 0
    tidy_on = pd.read_csv(io.StringIO(str(on["public tidy export"])))
    tidy_off = pd.read_csv(io.StringIO(str(off["public tidy export"])))
    mask_on = (tidy_on["ref"] == "G-01") & (tidy_on["period"] == "Q4 2022-23")
    mask_off = (tidy_off["ref"] == "G-01") & (tidy_off["period"] == "Q4 2022-23")
    # The public export's figure column holds numbers or blanks only, the status word beside it.
    assert tidy_on.loc[mask_on, "actual"].isna().tolist() == [True]
    assert tidy_on.loc[mask_on, "actual_status"].tolist() == ["suppressed"]
    assert tidy_off.loc[mask_off, "actual"].astype(float).tolist() == [0.0]
    assert tidy_off.loc[mask_off, "actual_status"].isna().tolist() == [True]


def test_the_generated_data_covers_each_risk(generated_store: Store) -> None:
    """The property test above only protects what the data exercises: check the data does."""
    q1, q3 = parse_period("Q1 2023-24"), parse_period("Q3 2023-24")
    at_q1 = views.indicators_at(generated_store, Filters(period=q1), RULES).set_index("ref")
    at_q3 = views.indicators_at(generated_store, Filters(period=q3), RULES).set_index("ref")
    assert at_q1.at["G-01", "rag_text"] == "\u2298 Rating withheld: small number"
    assert at_q1.at["G-02", "rag"] == "Green"  # the same for every hidden value
    assert at_q1.at["G-03", "rag"] == "Red"  # official Red, and every hidden value is Red
    assert at_q3.at["G-03", "rag"] == "Withheld"  # official Green, but the rules give Red
    assert at_q3.at["G-01", "travel_prev_text"] == "\u2298 withheld: small number"
    assert at_q1.at["G-01", "travel_year_text"] == "\u25b2 improving"  # 6 to any of 1..4
    counts = views.overview(generated_store, Filters(period=q1), RULES).indicator_counts
    assert counts["Withheld"] == 2  # G-01 and G-04 (a hidden 1 is Amber, 2 to 4 Green)
    # The follow-up: G-03 Red (every hidden value is) with CA-G-1 open; G-01 is Red in Q2 2022-23
    # after Red in Q1 with no action, so it is called out there, and never where it is hidden.
    follow = views.overview(generated_store, Filters(period=q3), RULES).follow_up
    assert follow is not None
    assert [a.action_id for a in follow.last_quarter] == ["CA-G-1"]  # overdue at Q3
    q1_follow = views.overview(generated_store, Filters(period=q1), RULES).follow_up
    assert q1_follow is not None
    red_at_q1 = {r.ref: [a.action_id for a in r.actions] for r in q1_follow.red}
    assert red_at_q1["G-03"] == ["CA-G-1"] and "G-01" not in red_at_q1  # G-01 withheld
    q2_2022 = parse_period("Q2 2022-23")
    early = views.overview(generated_store, Filters(period=q2_2022), RULES).follow_up
    assert early is not None and "G-01" in [r.ref for r in early.called_out]


# -- the pages as Streamlit sends them -----------------------------------------------------------------


@pytest.fixture
def page_env(generated_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Store:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("", encoding="utf-8")
    monkeypatch.setenv("HARROW_DASH_SECRETS", str(secrets))
    monkeypatch.setenv("HARROW_DASH_DATABASE_URL", generated_store.url)
    for name in (
        "HARROW_DASH_PUBLIC",
        "HARROW_DASH_SUPPRESSION",
        "HARROW_DASH_SUPPRESS_ZERO",
        "HARROW_DASH_EDITORS",
    ):
        monkeypatch.delenv(name, raising=False)
    return generated_store


PAGE_CELLS = [
    Cell("G-01", parse_period("Q1 2023-24")),
    Cell("G-01", parse_period("Q3 2023-24")),
    Cell("G-01", parse_period("Q4 2022-23")),  # a 0: hidden like 1 to 4 by default
]


def sent_bytes(at: Any) -> bytes:
    """Every element the page sent, serialised (as ``apptest_helpers.page_bytes``), except the
    random token Streamlit gives each run's deferred download (the file is made on click)."""
    out: list[bytes] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            if proto.DESCRIPTOR.fields_by_name.get("deferred_file_id") is not None:
                proto = type(proto).FromString(proto.SerializeToString())
                proto.ClearField("deferred_file_id")
            out.append(proto.SerializeToString())
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return b"\n".join(out)


@pytest.mark.parametrize("cell", PAGE_CELLS, ids=str)
def test_pages_send_the_same_bytes_whatever_the_hidden_count(page_env: Store, cell: Cell) -> None:
    """Overview, Priorities and Indicators (with the cell's trend chart) for the cell's quarter and
    the next: every element Streamlit sends (text, table cells, chart specs and data) is identical
    for a hidden 0, 1, 2, 3 or 4 (the default settings: zero suppressed)."""
    pages = [
        ("app.py", {}),
        ("pages/1_Priorities.py", {}),
        ("pages/2_Indicators.py", {"ind": [cell.ref]}),
    ]
    seen: dict[str, bytes] = {}
    for value in hidden_values(RULES.small_numbers):
        page_env.dispose()
        _set_actual(page_env, cell, float(value))
        page_env.dispose()
        for period in _quarters_touched(cell)[:2]:
            for page, query in pages:
                clear_streamlit_caches()
                at = run_page(page, query={"quarter": period.label, **query})
                assert not at.exception, [e.value for e in at.exception]
                key = f"{page} {period.label}"
                got = sent_bytes(at)
                if key in seen:
                    assert got == seen[key], f"{key} changes with the hidden value of {cell}"
                seen[key] = got


def test_a_small_monthly_count_of_people_reads_fewer_than_5() -> None:
    """A monthly indicator's months go to the chart and its table: a small count there is hidden
    too (with the quarter rule 'last' the last month *is* the quarter's figure)."""
    history = pd.DataFrame(
        {"ref": ["M-1"], "unit": ["count"], "period": [20231], "counts_people": [True]}
    )
    months = pd.DataFrame(
        {"ref": ["M-1"] * 3, "month": [202304, 202305, 202306], "actual": [3.0, 0.0, 12.0]}
    )
    table = explore.monthly_table(months, history, RULES.small_numbers)
    assert list(table["Monthly figure"]) == ["fewer than 5", "fewer than 5", "12"]
    drawn = monthly_frame(months, history, RULES.small_numbers)
    assert drawn["actual"].isna().tolist() == [True, True, False]
    # With zero shown the 0 month is a number like any other.
    table = explore.monthly_table(months, history, ZERO_SHOWN.small_numbers)
    assert list(table["Monthly figure"]) == ["fewer than 5", "0", "12"]
    drawn = monthly_frame(months, history, ZERO_SHOWN.small_numbers)
    assert drawn["actual"].isna().tolist() == [True, False, False]

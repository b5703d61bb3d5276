"""Open data: a valid Frictionless package of published quarters only, with suppression applied."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from frictionless import Package

from harrow_dash.cli import main
from harrow_dash.outputs.open_data import NothingPublished, as_zip, build, contents
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store, schema

RULES = RuleSettings(0.05, 5, False)
CREATED = dt.datetime(2024, 2, 1, 9, 0)
PUBLISHED = ("Q1 2023-24", "Q2 2023-24")
DRAFT = "Q3 2023-24"


def _publish(store: Store, *labels: str) -> None:
    with store.begin() as conn:
        conn.execute(sa.delete(schema.published_quarters))
    for label in labels:
        store.publish(parse_period(label), "tester")


def _write(files: dict[str, bytes], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


@pytest.fixture
def published_sample(sample_store: Store) -> Store:
    _publish(sample_store, *PUBLISHED)
    return sample_store


def test_open_data_package_is_valid_frictionless(published_sample: Store, tmp_path: Path) -> None:
    files = build(published_sample.public_view(), RULES, CREATED)
    folder = _write(files, tmp_path / "pkg")
    report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads(files["datapackage.json"])
    assert {r["name"] for r in descriptor["resources"]} == {
        "indicators", "indicator-values", "flagship-action-statuses", "highlights",
        "corrective-actions",
    }  # fmt: skip
    for resource in descriptor["resources"]:
        assert all(f["description"] for f in resource["schema"]["fields"])
    assert "ILLUSTRATIVE" in descriptor["description"]
    assert "ILLUSTRATIVE" in files["README.md"].decode()


def test_what_each_file_holds_is_read_back_from_the_files(published_sample: Store) -> None:
    # Resources in the descriptor's order, each with its fields and as many rows as a CSV reader
    # finds in the file itself, a quoted line break inside a cell making no extra row.
    files = build(published_sample.public_view(), RULES, CREATED)
    descriptor = json.loads(files["datapackage.json"])
    listed = contents(files)
    assert [f.path for f in listed] == [r["path"] for r in descriptor["resources"]]
    for f, resource in zip(listed, descriptor["resources"], strict=True):
        assert f.name == resource["name"] and f.title == resource["title"]
        assert [x.name for x in f.fields] == [x["name"] for x in resource["schema"]["fields"]]
        assert f.rows == len(pd.read_csv(io.BytesIO(files[f.path])))
    assert sum(f.rows for f in listed) > 0
    with_break = dict(files)
    path = listed[-1].path
    with_break[path] = b'a,b\n"one\nline",1\n"two",2\n'
    assert contents(with_break)[-1].rows == 2
    with_break[path] = b"a,b\n"
    assert contents(with_break)[-1].rows == 0


def test_open_data_holds_published_quarters_only(published_sample: Store, tmp_path: Path) -> None:
    files = build(published_sample.public_view(), RULES, CREATED)
    for name in (
        "indicator_values.csv",
        "flagship_action_statuses.csv",
        "highlights.csv",
        "corrective_actions.csv",
    ):
        frame = pd.read_csv(io.BytesIO(files[name]))
        assert set(frame["quarter"]) == set(PUBLISHED), name
    # A published corrective action may be due in a quarter not yet published (its due quarter is
    # part of what Cabinet agreed); no other column of any file names the draft quarter.
    corrective = pd.read_csv(io.BytesIO(files["corrective_actions.csv"]), dtype=str)
    assert DRAFT not in corrective.drop(columns="due_quarter").to_csv()
    blob = b"".join(
        v for k, v in files.items() if k.endswith(".csv") and k != "corrective_actions.csv"
    ).decode()
    assert DRAFT not in blob
    draft_texts = published_sample.read(
        sa.select(schema.highlights.c.text).where(
            schema.highlights.c.period == parse_period(DRAFT).key
        )
    )["text"]
    assert len(draft_texts) and not any(t in blob for t in draft_texts)


def test_open_data_never_holds_a_suppressed_value(published_sample: Store) -> None:
    files = build(published_sample.public_view(), RULES, CREATED)
    values = pd.read_csv(io.BytesIO(files["indicator_values.csv"]))
    people = pd.read_csv(io.BytesIO(files["indicators.csv"]))
    refs = set(people.loc[people["counts_people"], "ref"])
    counted = values[values["ref"].isin(refs)]
    assert len(counted)
    shown = counted["actual"].dropna()
    assert not ((shown > 0) & (shown < 5)).any()
    small = counted[counted["actual_note"].eq("fewer than 5")]
    assert len(small), "the sample should hold suppressed counts in published quarters"
    assert small["actual"].isna().all()


def test_open_data_is_identical_whatever_the_hidden_value(published_sample: Store) -> None:
    """Invariance: every file is byte-identical for each value a suppressed cell could hold."""
    v, i = schema.indicator_values, schema.indicators
    keys = set(map(parse_period, PUBLISHED))
    cells = published_sample.read(
        sa.select(v.c.ref, v.c.period)
        .select_from(v.join(i, i.c.ref == v.c.ref))
        .where(i.c.counts_people, v.c.actual > 0, v.c.actual < 5)
    )
    cells = cells[cells["period"].isin([p.key for p in keys])]
    assert len(cells)
    for ref, period in zip(cells["ref"], cells["period"], strict=True):
        outputs = set()
        for hidden in range(1, 5):
            with published_sample.begin() as conn:
                conn.execute(
                    sa.update(v)
                    .where(v.c.ref == ref, v.c.period == int(period))
                    .values(actual=hidden)
                )
            files = build(published_sample.public_view(), RULES, CREATED)
            outputs.add(as_zip({k: files[k] for k in sorted(files)}))
        assert len(outputs) == 1, (ref, period)


def test_open_data_refuses_when_nothing_is_published(sample_store: Store) -> None:
    _publish(sample_store)
    with pytest.raises(NothingPublished, match="No quarter has been published"):
        build(sample_store.public_view(), RULES, CREATED)


def test_open_data_needs_a_public_store(sample_store: Store) -> None:
    with pytest.raises(ValueError, match="public store"):
        from harrow_dash.outputs.open_data import resources

        resources(sample_store, RULES)


def test_cli_open_data_writes_the_package(
    published_sample: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("HARROW_DASH_DATABASE_URL", published_sample.url)
    published_sample.dispose()
    out = tmp_path / "open"
    assert main(["open-data", "-o", str(out)]) == 0
    assert "published quarters only" in capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert {"datapackage.json", "README.md", "indicator_values.csv", "indicators.csv"} <= names
    assert Package(str(out / "datapackage.json")).validate().valid


def test_zip_download_holds_every_file(published_sample: Store) -> None:
    files = build(published_sample.public_view(), RULES, CREATED)
    with zipfile.ZipFile(io.BytesIO(as_zip(files))) as zf:
        assert sorted(n.split("/", 1)[1] for n in zf.namelist()) == sorted(files)


# -- the Open data page ----------------------------------------------------------------------------


@pytest.fixture
def page_db(published_sample: Store, tmp_path: Path) -> Path:
    import shutil

    published_sample.dispose()
    target = tmp_path / "page.duckdb"
    shutil.copyfile(published_sample.url.removeprefix("duckdb:///"), target)
    return target


@pytest.mark.parametrize("public", [False, True], ids=["internal", "public mode"])
def test_open_data_page_offers_the_published_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, page_db: Path, public: bool
) -> None:
    from tests.apptest_helpers import app_env, page_bytes, run_page

    for env in app_env(monkeypatch, tmp_path, page_db):
        env.configure(public=public)
        at = run_page("pages/8_Open_data.py")
        assert not at.exception and not at.error
        body = page_bytes(at)
        assert b"Q1 2023-24 to Q2 2023-24" in body
        assert b"indicator_values.csv" in body
        assert DRAFT.encode() not in body.replace(b"Q3 2023-24 is a draft", b"")
        labels = [b.proto.label for b in at.get("download_button")]
        assert any("open data package" in label for label in labels)


def test_open_data_page_says_when_nothing_is_published(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_db_file: Path
) -> None:
    import shutil

    from tests.apptest_helpers import app_env, run_page

    db = tmp_path / "none.duckdb"
    shutil.copyfile(sample_db_file, db)
    store = Store(f"duckdb:///{db}")
    _publish(store)
    store.dispose()
    for _ in app_env(monkeypatch, tmp_path, db):
        at = run_page("pages/8_Open_data.py")
        assert any("No quarter has been published" in str(i.value) for i in at.info)
        assert not at.get("download_button")

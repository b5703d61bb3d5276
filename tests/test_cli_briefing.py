"""``harrow-dash briefing`` end to end: a real process on a copy of the sample database, writing a real
.docx; wrong usage exits 2 and a quarter without data exits 1, each with a sentence, never a stack
trace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from harrow_dash.config import REPO_ROOT


@pytest.fixture
def db_url(sample_db_file: Path, tmp_path: Path) -> str:
    target = tmp_path / "sample.duckdb"
    shutil.copyfile(sample_db_file, target)
    return f"duckdb:///{target}"


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HARROW_DASH_DATABASE_URL=url)
    return subprocess.run(
        [sys.executable, "-m", "harrow_dash.cli", "briefing", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def heading1(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs if p.style.name == "Heading 1"]


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout


def test_writes_the_briefing_pack(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "pack.docx"
    result = run(db_url, "--quarter", "Q3 2023-24", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert f"Briefing pack for Q3 2023-24 written to {out}" in result.stdout
    doc = Document(str(out))
    assert any("Quarter 3 2023-24" in p.text for p in doc.paragraphs if p.style.name == "Title")
    assert heading1(out) == [
        "Summary of performance",
        "What we said we would do",
        "Priority 1: A council that puts residents first",
        "Priority 2: A borough that is clean and safe",
        "Priority 3: A place where those in need are supported",
        "Key to RAG ratings",
        "Data protection",
    ]
    assert len(doc.inline_shapes) == 8


def test_filters_by_priority_number_or_name_and_directorate(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "pack.docx"
    result = run(
        db_url,
        "--quarter",
        "Q3 23/24",  # a common spelling of the quarter
        "--priority",
        "2",
        "--priority",
        "a place where those in need are supported",
        "--directorate",
        "housing",
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    h1 = heading1(out)
    assert "Priority 2: A borough that is clean and safe" in h1
    assert "Priority 3: A place where those in need are supported" in h1
    assert "Priority 1: A council that puts residents first" not in h1
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Directorate: Housing" in text


def test_portfolio_filter(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "pack.docx"
    result = run(db_url, "--quarter", "Q3 2023-24", "--portfolio", "Housing", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Portfolio: Housing" in "\n".join(p.text for p in Document(str(out)).paragraphs)


def test_bad_quarter_is_a_usage_error(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "pack.docx"
    result = run(db_url, "--quarter", "Q5 2023-24", "-o", str(out))
    assert result.returncode == 2
    assert "--quarter" in result.stderr and "Q5 2023-24" in result.stderr
    no_traceback(result)
    assert not out.exists()


def test_quarter_without_data_exits_1(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "pack.docx"
    result = run(db_url, "--quarter", "Q1 2030-31", "-o", str(out))
    assert result.returncode == 1
    assert "There is no data for Q1 2030-31." in result.stderr
    assert "Q1 2021-22 to Q4 2023-24" in result.stderr
    no_traceback(result)
    assert not out.exists()


def test_filters_matching_nothing_exit_1(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "pack.docx"
    result = run(
        db_url,
        "--quarter",
        "Q3 2023-24",
        "--priority",
        "1",
        "--directorate",
        "People - Adults",
        "-o",
        str(out),
    )
    assert result.returncode == 1
    assert "No indicators or flagship actions match these filters for Q3 2023-24." in result.stderr
    no_traceback(result)
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--priority", "9", "There is no priority '9'"),
        ("--directorate", "Nowhere", "There is no directorate 'Nowhere'"),
        ("--portfolio", "Nobody", "There is no portfolio 'Nobody'"),
    ],
)
def test_unknown_filter_values_are_usage_errors(
    db_url: str, tmp_path: Path, option: str, value: str, message: str
) -> None:
    result = run(db_url, "--quarter", "Q3 2023-24", option, value, "-o", str(tmp_path / "p.docx"))
    assert result.returncode == 2
    assert message in result.stderr and "Choose from:" in result.stderr
    no_traceback(result)


def test_missing_output_folder_is_a_usage_error(db_url: str, tmp_path: Path) -> None:
    result = run(db_url, "--quarter", "Q3 2023-24", "-o", str(tmp_path / "nope" / "p.docx"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    no_traceback(result)


def test_database_not_set_up_exits_1(tmp_path: Path) -> None:
    result = run(
        f"duckdb:///{tmp_path / 'empty.duckdb'}", "--quarter", "Q3 2023-24", "-o", "x.docx"
    )
    assert result.returncode == 1
    assert "has not been set up" in result.stderr
    no_traceback(result)


def test_output_is_required(db_url: str) -> None:
    result = run(db_url, "--quarter", "Q3 2023-24")
    assert result.returncode == 2
    assert "-o/--output" in result.stderr

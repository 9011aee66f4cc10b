"""The hub releases either edition (issue 27): `make release-hub ASSIGNMENT=… LANG=zh` puts the Chinese release,
course-zh/<a>/, into nbgrader's exchange through the same guard as every release (tools/exchange.py), which
checks it against the Chinese edition solutions/ generates now. Three nbgrader runs on 01, no hub, no browser."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from tests.grading import nbgrader_run
from tools import i18n, release
from tools.layout import Course

A = "01_one_hot"


def release_hub(root, exchange, language):
    """`make release-hub ASSIGNMENT=01_one_hot LANG=<language>` on the course copy: (status, output)."""
    proc = subprocess.run(
        [sys.executable, "-m", "tools.release", "hub", "-a", A, "--lang", language, "--root", str(root)],
        cwd=root,
        env=nbgrader_run.env() | {"RNN_COURSE_EXCHANGE": str(exchange)},
        capture_output=True,
        text=True,
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def course_zh(tmp_path_factory):
    """A copy of the course with course-zh/01_one_hot/ as `make course LANG=zh` writes it."""
    root = nbgrader_run.copy_course(tmp_path_factory.mktemp("hub") / "course")
    scratch = tmp_path_factory.mktemp("scratch")
    release.generate(root, A, Course(root).edition_release("zh"), f"sqlite:///{scratch / 'zh.db'}", "zh")
    return root


@pytest.fixture(scope="module")
def released(course_zh, tmp_path_factory):
    """`make release-hub ASSIGNMENT=01_one_hot LANG=zh`: the exchange's outbound folder, what students fetch."""
    exchange = tmp_path_factory.mktemp("exchange")
    status, output = release_hub(course_zh, exchange, "zh")
    assert status == 0, output
    assert f"released {A} (zh edition) to the exchange" in output
    return exchange / nbgrader_run.COURSE_ID / "outbound" / A


def test_the_hub_releases_the_chinese_edition(course_zh, released):
    fetched = released
    # what went out is the Chinese release, byte for byte, and nothing else
    assert release.files(fetched) == release.files(Course(course_zh).edition_release("zh") / A)
    nb = nbformat.read(fetched / f"{A}.ipynb", as_version=4)
    assert i18n.edition(nb, A) == "zh", "the edition mark, by which the submission is graded in Chinese"
    markdown = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    assert markdown and all(i18n.CJK.search(text) for text in markdown), "a markdown cell is not Chinese"
    assert not [text for text in markdown if i18n.english_prose(text)], "English prose in the Chinese release"
    assert (fetched / i18n.LANGUAGE_FILE).read_text().strip() == "zh"
    code = json.dumps([cell.source for cell in nb.cells if cell.cell_type == "code"])
    assert "BEGIN SOLUTION" not in code and "BEGIN HIDDEN TESTS" not in code


def test_the_hub_refuses_a_folder_that_is_not_the_chinese_edition(tmp_path):
    """The guard checks what goes out against the edition asked for: the English release in course-zh/ is
    refused, and the exchange stays empty."""
    root = nbgrader_run.copy_course(tmp_path / "course")
    shutil.copytree(nbgrader_run.ROOT / "course" / A, Course(root).edition_release("zh") / A)
    exchange = tmp_path / "exchange"
    status, output = release_hub(root, exchange, "zh")
    assert status != 0 and not (exchange / nbgrader_run.COURSE_ID / "outbound" / A).exists(), output
    assert f"course-zh/{A} is not what solutions/{A} generates now" in output, output
    assert "run `make course LANG=zh` first" in output, output


def test_the_hub_refuses_a_stale_translation(course_zh, tmp_path):
    """An English edit since the translation: the Chinese release is refused, naming the cell, and the exchange
    stays empty."""
    notebook = Course(course_zh).source_notebook(A)
    saved = notebook.read_bytes()
    nb = nbformat.read(notebook, as_version=4)
    cell = next(cell for cell in nb.cells if cell.cell_type == "markdown" and i18n.state(cell, "zh") == "current")
    cell.source += "\n\nOne more sentence, not translated yet."
    nbformat.write(nb, notebook)
    try:
        exchange = tmp_path / "exchange"
        status, output = release_hub(course_zh, exchange, "zh")
    finally:
        notebook.write_bytes(saved)
    assert status != 0 and not (exchange / nbgrader_run.COURSE_ID / "outbound" / A).exists(), output
    assert f"{cell.id} (stale)" in output, output


def test_validate_on_the_hub_speaks_the_edition(course_zh, released, tmp_path):
    """A student fetches the Chinese release, writes a one_hot with the class axis first and clicks Validate (here
    `nbgrader validate` with the hub's students' settings, hub/student/): each failure's first line, and the
    dialog's own words, are Chinese (the course's catalogue that the release carries)."""
    folder = shutil.copytree(released, tmp_path / A)  # what Fetch puts in the student's home
    failures = nbgrader_run.validate_class_dim_first(folder, course_zh / "hub" / "student")  # as the hub sets it
    firsts = [failure.strip().splitlines()[0].strip() for failure in failures]
    message = "✗ one_hot（形状为 (3,) 的索引，num_classes=5）：形状应为 (3, 5)，实际为 (5, 3)。"
    assert firsts[0].startswith(message), firsts
    assert "测试单元格：\n" in failures[0], failures[0]
    assert "NotImplementedError（在 one_hot_batch 中抛出）" in firsts, firsts  # one_hot_batch is still a stub
    question = "✗ 尚未作答：请在这个单元格里写下你的答案（这道题由老师人工评分）。"
    assert question in firsts and "你的答案：\n" in failures[firsts.index(question)], firsts
    assert not [first for first in firsts if i18n.english_in_message(first)], firsts

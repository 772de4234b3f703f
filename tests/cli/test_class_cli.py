"""``tutor class``: the teacher's commands, their output, and their refusals.

Most run in-process (``tutor_main``); one runs as a user would, in a subprocess, to
see that a damaged database is one line on stderr and exit 1, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path

from tutor.core.class_db import database_path
from tutor.core.classroom import ClassBook

CODE = re.compile(r"\b([2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3})\b")


def codes_in(text: str) -> dict[str, str]:
    """name -> code from the lines ``  NAME  CODE`` that ``class add`` and ``codes`` print."""
    found = {}
    for line in text.splitlines():
        match = CODE.search(line)
        if match:
            found[line[: match.start()].strip()] = match.group(1)
    return found


def test_a_class_from_nothing(tutor_main, tmp_path: Path) -> None:
    code, out, err = tutor_main("class", "report", "7B")
    assert code == 1 and "no classes yet" in err and "tutor class new" in err
    assert tutor_main("class", "new", "7B")[0] == 0
    code, _, err = tutor_main("class", "new", "7b")
    assert code == 1 and "already a class named '7B'" in err
    roster = tmp_path / "roster.csv"
    roster.write_text("Name,email\nCy,cy@example.org\n\nDee,dee@example.org\n", "utf-8")
    code, out, err = tutor_main("class", "add", "7B", "Ada", "Bo", "--csv", str(roster))
    assert code == 0, err
    codes = codes_in(out)
    assert sorted(codes) == ["Ada", "Bo", "Cy", "Dee"]
    assert "shown only now" in out
    with ClassBook.open() as book:
        for name, join_code in codes.items():
            assert book.sign_in("7B", name, join_code).student is not None
    code, out, err = tutor_main("class", "list", "7B")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == [
        "Ada",
        "Bo",
        "Cy",
        "Dee",
    ]


def test_codes_are_issued_anew_and_the_old_ones_stop_working(tutor_main) -> None:
    tutor_main("class", "new", "7B")
    old = codes_in(tutor_main("class", "add", "7B", "Ada", "Bo")[1])
    code, out, err = tutor_main("class", "codes", "7B")
    assert code == 0
    assert "new join codes were issued" in err and "no longer works" in err
    new = codes_in(out)
    assert sorted(new) == ["Ada", "Bo"] and "join codes of" in out
    code, out, _ = tutor_main("class", "codes", "7B", "Bo")
    only_bo = codes_in(out)
    assert list(only_bo) == ["Bo"]
    with ClassBook.open() as book:
        assert book.sign_in("7B", "Ada", old["Ada"]).student is None
        assert book.sign_in("7B", "Ada", new["Ada"]).student is not None
        assert book.sign_in("7B", "Bo", new["Bo"]).student is None
        assert book.sign_in("7B", "Bo", only_bo["Bo"]).student is not None


def record_class(seed: int) -> dict[str, dict[str, int]]:
    """Students answer quizzes of lesson 4 at random; what each did, counted here."""
    rng = random.Random(seed)
    did: dict[str, dict[str, int]] = {}
    with ClassBook.open() as book:
        for name in ("Ada", "Bo", "Cy"):
            store = book.store_for(book.find_student("7B", name))
            progress = store.load()
            progress.open_lesson("forward-pass", 1)
            tally = {"attempts": 0, "passed": 0, "wrong": 0}
            for quiz in ("q-one", "q-two"):
                for _ in range(rng.randint(1, 4)):
                    correct = rng.random() < 0.4
                    answer = "X @ W1" if correct else rng.choice(["X @ W2", "W1 @ X"])
                    store.note_attempt("forward-pass", quiz, answer, "v", correct)
                    progress.record_answer("forward-pass", quiz, correct)
                    tally["attempts"] += 1
                    tally["wrong"] += not correct
                tally["passed"] += progress.quiz("forward-pass", quiz).passed
            assert store.save(progress)
            did[name] = tally
    return did


def test_report_json_matches_what_the_students_did(tutor_main) -> None:
    tutor_main("class", "new", "7B")
    tutor_main("class", "add", "7B", "Ada", "Bo", "Cy")
    did = record_class(seed=7)
    code, out, err = tutor_main("class", "report", "7B", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["class"] == "7B"
    assert [lesson["id"] for lesson in report["lessons"]][3] == "forward-pass"
    for student in report["students"]:
        cell = student["lessons"]["forward-pass"]
        tally = did[student["name"]]
        assert cell["attempts"] == tally["attempts"] == student["attempts"]
        assert cell["status"] == "started"
        assert student["last_seen"] is not None
        assert student["lessons"]["the-loss"]["status"] == "new"
    wrong_by_quiz: dict[str, int] = {}
    with ClassBook.open() as book:
        for name in did:
            for attempt in book.export_student(book.find_student("7B", name))["attempts"]:
                if not attempt["correct"]:
                    wrong_by_quiz[attempt["quiz"]] = wrong_by_quiz.get(attempt["quiz"], 0) + 1
    missed = {item["quiz"]: item["wrong_attempts"] for item in report["most_missed"]}
    assert missed == wrong_by_quiz
    assert sum(did[name]["wrong"] for name in did) == sum(missed.values())
    for item in report["most_missed"]:
        assert {answer for answer, _ in item["common_wrong"]} <= {"X @ W2", "W1 @ X"}


def test_report_as_text_and_csv(tutor_main) -> None:
    tutor_main("class", "new", "7B")
    tutor_main("class", "add", "7B", "Ada", "=HYPERLINK(1)")
    book = ClassBook.open()
    store = book.store_for(book.find_student("7B", "Ada"))
    progress = store.load()
    progress.open_lesson("forward-pass")
    store.note_attempt("forward-pass", "q", "X @ W2", "shape", False)
    progress.record_answer("forward-pass", "q", False)
    assert store.save(progress)
    book.close()
    code, out, _ = tutor_main("class", "report", "7B")
    assert code == 0
    assert "Class 7B: 2 students" in out
    assert "forward-pass · q: 1 student wrong" in out and "'X @ W2' x1" in out
    code, out, _ = tutor_main("class", "report", "7B", "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:5] == ["student", "last seen", "lessons done", "quizzes passed", "attempts"]
    names = [row[0] for row in rows[1:]]
    assert names == ["'=HYPERLINK(1)", "Ada"], "a formula-like name is made text"
    ada = dict(zip(rows[0], rows[2], strict=True))
    assert ada["forward-pass status"] == "started" and ada["forward-pass attempts"] == "1"


def test_export_and_delete_one_student(tutor_main) -> None:
    tutor_main("class", "new", "7B")
    codes = codes_in(tutor_main("class", "add", "7B", "Ada", "Bo")[1])
    code, out, _ = tutor_main("class", "export", "7B", "ada")
    assert code == 0
    data = json.loads(out)
    assert data["student"] == "Ada" and data["attempts"] == []
    assert codes["Ada"] not in out and "code" not in json.dumps(sorted(data))
    code, _, err = tutor_main("class", "delete", "7B", "Ada")
    assert code == 2 and "--yes" in err, "stdin is not a terminal: no silent delete"
    code, out, _ = tutor_main("class", "delete", "7B", "Ada", "--yes")
    assert code == 0 and "Deleted Ada of 7B" in out
    code, _, err = tutor_main("class", "export", "7B", "Ada")
    assert code == 1 and "no student named 'Ada'" in err
    assert [row.name for row in ClassBook.open().students("7B")] == ["Bo"]


def test_refusals_are_one_line_with_the_right_exit_code(tutor_main, tmp_path: Path) -> None:
    assert tutor_main("class")[0] == 2
    assert tutor_main("class", "shout", "7B")[0] == 2
    tutor_main("class", "new", "7B")
    for args, exit_code, words in [
        (("class", "add", "7B"), 2, "at least one student"),
        (("class", "add", "8C", "Ada"), 1, "no class named '8C'"),
        (("class", "add", "7B", "Ada", "ada"), 2, "named twice"),
        (("class", "add", "7B", "--csv", str(tmp_path / "none.csv")), 2, "cannot read"),
        (("class", "codes", "7B"), 1, "no students yet"),
        (("class", "new", "  "), 2, "cannot be empty"),
        (("--class", "7B", "--no-save"), 2, "cannot go with --no-save"),
        (("--class", "9Z"), 1, "no class named '9Z'"),
    ]:
        code, out, err = tutor_main(*args)
        assert code == exit_code, (args, err)
        assert words in err, (args, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_damaged_database_is_one_line_and_a_kept_copy(tutor_cli) -> None:
    assert tutor_cli("class", "new", "7B").returncode == 0
    path = database_path()
    for companion in path.parent.glob("classes.sqlite3-*"):
        companion.unlink()
    path.write_bytes(b"\x00garbage" * 1000)
    result = tutor_cli("class", "report", "7B")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is damaged" in result.stderr and "classes.damaged-" in result.stderr
    assert list(path.parent.glob("classes.damaged-*.sqlite3"))

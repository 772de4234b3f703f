"""Mutation testing of the grading and evaluator modules with mutmut, and each one's score.

Usage: ``python benchmarks/mutation.py [--max-children N] [--keep | --survivors]
[--min-score P] [--report-only]``.

A test suite that passes says little about tests that could not fail. mutmut changes
the code one small edit at a time (``<`` for ``<=``, a constant, a dropped argument)
and runs the tests that reach the changed function: a mutant the tests still pass
("survived") is a behaviour nothing asserts. Which modules are mutated and which tests
run is configured in ``[tool.mutmut]`` of pyproject.toml, so a module joins the run as
one entry of ``only_mutate``. Each run starts from a fresh ``mutants/`` folder unless
``--keep`` is given, because mutmut keeps an earlier verdict when only a test changed;
``--survivors`` runs again, by name, just the mutants the last run left alive, which is
how a new test is checked against them.

Prints, per module, how many mutants were made and killed, the score (killed or timed
out, over all of them) and the name of every survivor (``mutmut show NAME`` prints its
diff). Exits 1 when a module scores below ``--min-score``, 2 when mutmut itself fails.
Not run in CI: with the evaluator's and the quiz modules (about 7,800 mutants) a fresh
run takes over an hour on two shared cores, most of it in the survivors of the functions
every test reaches (each runs some 500 tests); ``--survivors`` after new tests, minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: What ``mutmut results`` calls a mutant the tests caught.
CAUGHT = {"killed", "timeout", "caught by type check"}


def mutmut_command() -> Path:
    """The ``mutmut`` of this interpreter's environment (the test extras install it).

    mutmut asks to be started as its own script, not as ``python -m mutmut``.
    """
    return Path(sys.executable).parent / "mutmut"


def module_of(mutant: str) -> str:
    """``tutor.core.quiz.grading`` for ``tutor.core.quiz.grading.x_compare__mutmut_3``."""
    return mutant.rsplit(".", 1)[0]


def read_results(command: Path) -> dict[str, dict[str, str]]:
    """Every mutant's status, by module, as ``mutmut results --all true`` lists them."""
    listing = subprocess.run(
        [str(command), "results", "--all", "true"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    by_module: dict[str, dict[str, str]] = defaultdict(dict)
    for line in listing.stdout.splitlines():
        name, separator, status = line.strip().partition(": ")
        if separator:
            by_module[module_of(name)][name] = status
    return dict(by_module)


def score(statuses: dict[str, str]) -> float:
    """The share of mutants caught, in percent (a mutant no test reached counts against)."""
    counted = [status for status in statuses.values() if status != "skipped"]
    if not counted:
        return 0.0
    return 100.0 * sum(status in CAUGHT for status in counted) / len(counted)


def report(by_module: dict[str, dict[str, str]]) -> list[tuple[str, float]]:
    """Print each module's counts, score and survivors; return (module, score) pairs."""
    scores = []
    for module, statuses in sorted(by_module.items()):
        counts = Counter(statuses.values())
        caught = sum(counts[status] for status in CAUGHT)
        module_score = score(statuses)
        scores.append((module, module_score))
        print(f"{module}: {caught} of {len(statuses)} mutants caught, score {module_score:.1f}%")
        for name, status in sorted(statuses.items()):
            if status not in CAUGHT:
                print(f"    {status}: {name}")
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-children", type=int, default=2, help="parallel test workers (default 2)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="reuse mutants/ and its verdicts from the last run"
    )
    parser.add_argument(
        "--min-score", type=float, default=90.0, help="exit 1 below this score in percent"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="print the last run's scores, run nothing"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="run again only the mutants that survived the last run (after adding tests)",
    )
    args = parser.parse_args(argv)
    command = mutmut_command()
    if not command.exists():
        print(f"mutmut is not installed beside {sys.executable}: pip install -e '.[test]'")
        return 2
    if not args.report_only:
        names: list[str] = []
        if args.survivors:
            # mutmut keeps a survivor's verdict when only a test changed: name them to rerun.
            names = sorted(
                name
                for statuses in read_results(command).values()
                for name, status in statuses.items()
                if status not in CAUGHT and status != "skipped"
            )
        elif not args.keep:
            shutil.rmtree(REPO / "mutants", ignore_errors=True)
        if args.survivors and not names:
            print("no survivors to run again")
            return report_scores(command, args.min_score)
        # A long run at low priority, so it does not slow whatever else shares the machine.
        run = subprocess.run(
            [str(command), "run", "--max-children", str(args.max_children), *names],
            cwd=REPO,
            preexec_fn=lambda: os.nice(10),
        )
        if run.returncode != 0:
            print(f"mutmut run failed with exit status {run.returncode}")
            return 2
        print()
    return report_scores(command, args.min_score)


def report_scores(command: Path, min_score: float) -> int:
    """Print the last run's results; 1 when a module scores under ``min_score``."""
    by_module = read_results(command)
    if not by_module:
        print("no mutants: run without --report-only first")
        return 2
    scores = report(by_module)
    return 1 if any(module_score < min_score for _, module_score in scores) else 0


if __name__ == "__main__":
    sys.exit(main())

"""tutor's benchmarks: start-up, frame cost, grading latency and memory, with their anchors.

Usage: ``python benchmarks/run.py [--quick] [--json FILE] [--only CASE ...] [--runs N]``

Every case runs in a fresh process. After one warm-up run of each (which fills the
disk cache and the bytecode cache, and is thrown away), the cases are interleaved
round-robin, so a machine that slows down for a while slows every case alike, and
each figure is the median of its runs. Start-up figures are wall time measured here,
from spawning the child, so the interpreter's start and every import are inside
them; the child's CPU time (from ``getrusage``) is shown beside them, as a check
that is less sensitive to other work on the machine.

Anchors, measured in the same run:

- baseline: ``python -c "import textual"``, spawn to exit;
- floor: a minimal Textual app, headless, spawn to its first settled paint;
- demo: Textual's own demo (``python -m textual``), headless, likewise.

tutor's cases: ``lesson_paint`` (``python -m tutor 1`` headless, spawn to the first
settled paint of the lesson once its compute blocks have run; see ``paint.py``),
``frames_toy``/``frames_large`` (CPU per frame of the epoch animation and the app's
peak memory; see ``frames.py``), ``grade`` (one formula answer, in process; see
``grade.py``) and ``check_all`` (``python -m tutor check``, spawn to exit).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
#: A run that takes longer than this has hung.
TIMEOUT = 120
#: Where the children keep their bytecode: outside the source tree and site-packages,
#: and kept between runs, so every case starts with compiled modules, as installed.
PYCACHE = Path(tempfile.gettempdir()) / "tutor-bench-pycache"

#: (figure, the target in words, the test of it) for the verdict column and the exit code.
Target = tuple[str, str, Callable[[dict[str, float]], bool]]
TARGETS: list[Target] = [
    (
        "lesson_paint_ratio",
        "<= 3.0 and < demo",
        lambda f: (
            f["lesson_paint_ratio"] <= 3.0 and f["lesson_paint_ratio"] < f["demo_paint_ratio"]
        ),
    ),
    ("frame_cpu_ms_toy", "<= 4 ms", lambda f: f["frame_cpu_ms_toy"] <= 4),
    ("frame_cpu_ms_large", "<= 8 ms", lambda f: f["frame_cpu_ms_large"] <= 8),
    ("grade_ms", "<= 30 ms", lambda f: f["grade_ms"] <= 30),
    ("check_all_ratio", "<= 3.0", lambda f: f["check_all_ratio"] <= 3.0),
    ("peak_rss_mb", "<= 80 MB", lambda f: f["peak_rss_mb"] <= 80),
]


@dataclass
class Case:
    """One thing to run in a fresh process, and what each run of it yields.

    Attributes:
        name: how ``--only`` and the results call it.
        command: the child's arguments after the interpreter.
        until: "marker" (time to the child's first stdout line) or "exit".
        runs: how many timed runs it gets (the start-up cases get the most).
        results: one dict per run: ``ms`` (the wall time) and whatever the child reported.
    """

    name: str
    command: list[str]
    until: str = "marker"
    runs: int = 1
    results: list[dict] = field(default_factory=list)

    def run_once(self) -> dict:
        """Spawn the child in a fresh ``TUTOR_HOME`` and time it."""
        with tempfile.TemporaryDirectory(prefix="tutor-bench-") as home:
            env = {**os.environ, "TUTOR_HOME": home, "PYTHONPYCACHEPREFIX": str(PYCACHE)}
            env.pop("TEXTUAL", None)  # no devtools or debug features
            # Bytecode is cached, as on any installed system (the warm-up run fills it).
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            cpu_before = _children_cpu()
            start = time.perf_counter()
            child = subprocess.Popen(
                [PYTHON, *self.command],
                cwd=home,  # not the source tree: tutor is imported as installed
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            try:
                if self.until == "marker":
                    # A child that hangs before its marker is killed, not waited on.
                    if not select.select([child.stdout], [], [], TIMEOUT)[0]:
                        raise subprocess.TimeoutExpired(self.command, TIMEOUT)
                    line = child.stdout.readline()
                    elapsed = time.perf_counter() - start
                    rest, errors = child.communicate(timeout=TIMEOUT)
                else:
                    rest, errors = child.communicate(timeout=TIMEOUT)
                    elapsed = time.perf_counter() - start
                    line, rest = b"", rest
            except subprocess.TimeoutExpired:
                child.kill()
                errors = child.communicate()[1].decode(errors="replace").strip()[-4000:]
                raise SystemExit(f"{self.name}: no answer in {TIMEOUT} s\n{errors}") from None
        if child.returncode != 0 or (self.until == "marker" and not line):
            message = errors.decode(errors="replace").strip()[-2000:]
            raise SystemExit(f"{self.name} failed (exit {child.returncode}):\n{message}")
        # The child's CPU time, whole process: less sensitive than wall time to a busy
        # machine (a marker case stops right after its marker, so it is close).
        result = {"ms": elapsed * 1000, "cpu_ms": (_children_cpu() - cpu_before) * 1000}
        if line.strip().startswith(b"{"):
            result.update(json.loads(line))
        return result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_cases(quick: bool) -> list[Case]:
    """The cases, with as many runs each as the mode allows."""
    startup_runs = 15 if quick else 40
    heavy_runs = 2 if quick else 5
    frames = "100" if quick else "200"
    return [
        Case("baseline_import", ["-c", "import textual"], until="exit", runs=startup_runs),
        Case("floor_paint", [str(HERE / "paint.py"), "floor"], runs=startup_runs),
        Case("demo_paint", [str(HERE / "paint.py"), "demo"], runs=startup_runs),
        Case("lesson_paint", [str(HERE / "paint.py"), "lesson", "1"], runs=startup_runs),
        Case("check_all", ["-m", "tutor", "check"], until="exit", runs=startup_runs),
        Case("frames_toy", [str(HERE / "frames.py"), "toy", "--frames", frames], runs=heavy_runs),
        Case(
            "frames_large", [str(HERE / "frames.py"), "large", "--frames", frames], runs=heavy_runs
        ),
        Case("grade", [str(HERE / "grade.py"), "--runs", "30"], runs=heavy_runs),
    ]


def run_all(cases: list[Case], *, warmup: bool = True, progress: bool = True) -> None:
    """One warm-up run of each case, then rounds until every case has its runs.

    Each round runs every case that still needs runs, starting one case later than
    the round before, so no case always follows the same neighbour.
    """
    if warmup:
        for case in cases:
            case.run_once()
    rounds = max(case.runs for case in cases)
    for number in range(rounds):
        shift = number % len(cases)
        for case in cases[shift:] + cases[:shift]:
            if len(case.results) < case.runs:
                case.results.append(case.run_once())
        if progress:
            print(f"\rround {number + 1}/{rounds}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)


def median_of(case: Case, key: str = "ms") -> float:
    return statistics.median(result[key] for result in case.results)


def pooled_median(case: Case, key: str) -> float:
    """The median over every sample of every run (frames, gradings)."""
    return statistics.median(sample for result in case.results for sample in result[key])


def figures(cases: dict[str, Case]) -> dict[str, float]:
    """The numbers ``--json`` writes, from whichever cases ran."""
    out: dict[str, float] = {}
    if "baseline_import" in cases:
        out["baseline_import_ms"] = median_of(cases["baseline_import"])
    baseline = out.get("baseline_import_ms")
    if "baseline_import" in cases:
        out["baseline_import_cpu_ms"] = median_of(cases["baseline_import"], "cpu_ms")
    for name, key in (("floor_paint", "floor"), ("demo_paint", "demo"), ("lesson_paint", "lesson")):
        if name in cases:
            out[f"{key}_paint_ms"] = median_of(cases[name])
            out[f"{key}_paint_cpu_ms"] = median_of(cases[name], "cpu_ms")
            if baseline:
                out[f"{key}_paint_ratio"] = out[f"{key}_paint_ms"] / baseline
    if "check_all" in cases:
        out["check_all_ms"] = median_of(cases["check_all"])
        out["check_all_cpu_ms"] = median_of(cases["check_all"], "cpu_ms")
        if baseline:
            out["check_all_ratio"] = out["check_all_ms"] / baseline
    for size in ("toy", "large"):
        case = cases.get(f"frames_{size}")
        if case is not None:
            out[f"frame_cpu_ms_{size}"] = pooled_median(case, "frame_cpu_ms")
            out[f"frame_cpu_p90_ms_{size}"] = _percentile(case, "frame_cpu_ms", 0.9)
            out[f"peak_rss_mb_{size}"] = median_of(case, "peak_rss_mb")
    rss = [out[key] for key in ("peak_rss_mb_toy", "peak_rss_mb_large") if key in out]
    if rss:
        out["peak_rss_mb"] = max(rss)
    if "grade" in cases:
        out["grade_ms"] = pooled_median(cases["grade"], "grade_ms")
    return out


def _percentile(case: Case, key: str, fraction: float) -> float:
    samples = sorted(sample for result in case.results for sample in result[key])
    return samples[min(int(fraction * len(samples)), len(samples) - 1)]


def machine() -> dict[str, str | int | float]:
    """What the figures were measured on."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, str | int | float] = {
        "cpus": os.cpu_count() or 0,
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        info["ram_gb"] = round(pages / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    from importlib.metadata import version

    for package in ("textual", "rich", "numpy"):
        try:
            info[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing version is not worth failing over
            info[package] = "?"
    return info


def table(out: dict[str, float], cases: dict[str, Case]) -> str:
    """The plain-text report: each figure, its ratio to the baseline, its target."""
    rows = [("case", "median", "× import", "CPU", "target", "")]

    def add(label: str, key: str, unit: str, ratio_key: str | None = None) -> None:
        if key not in out:
            return
        ratio = f"{out[ratio_key]:.2f}" if ratio_key and ratio_key in out else ""
        cpu_key = key.removesuffix("_ms") + "_cpu_ms"
        cpu = f"{out[cpu_key]:.0f} ms" if cpu_key in out else ""
        target = next((t for t in TARGETS if t[0] in (key, ratio_key)), None)
        verdict = ""
        if target is not None:
            try:
                verdict = "ok" if target[2](out) else "MISSED"
            except KeyError:
                verdict = "?"
        rows.append(
            (label, f"{out[key]:.1f} {unit}", ratio, cpu, target[1] if target else "", verdict)
        )

    add("import textual (baseline)", "baseline_import_ms", "ms", None)
    add("minimal app painted (floor)", "floor_paint_ms", "ms", "floor_paint_ratio")
    add("textual demo painted", "demo_paint_ms", "ms", "demo_paint_ratio")
    add("tutor lesson painted", "lesson_paint_ms", "ms", "lesson_paint_ratio")
    add("tutor check (all lessons)", "check_all_ms", "ms", "check_all_ratio")
    add("frame CPU, article network", "frame_cpu_ms_toy", "ms")
    add("frame CPU, 1000,784,128,10", "frame_cpu_ms_large", "ms")
    add("grade one formula answer", "grade_ms", "ms")
    add("peak RSS during animation", "peak_rss_mb", "MB")
    if "baseline_import_ms" in out:
        rows[1] = (*rows[1][:2], "1.00", *rows[1][3:])
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    runs = ", ".join(f"{name} {len(case.results)}" for name, case in cases.items())
    lines.append("")
    lines.append(f"runs: {runs}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs: about a minute")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures here")
    parser.add_argument("--only", nargs="+", metavar="CASE", help="run only these cases")
    parser.add_argument("--runs", type=int, help="timed runs of each start-up case")
    args = parser.parse_args(argv)
    cases = make_cases(args.quick)
    if args.only:
        unknown = set(args.only) - {case.name for case in cases}
        if unknown:
            parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
        cases = [case for case in cases if case.name in args.only]
    if args.runs:
        for case in cases:
            case.runs = args.runs if case.runs > 5 else min(case.runs, args.runs)
    info = machine()
    print(
        f"machine: {info['cpus']} × {info['cpu']}, {info.get('ram_gb', '?')} GB RAM, "
        f"Python {info['python']}, textual {info['textual']}, {info['system']}",
        file=sys.stderr,
    )
    run_all(cases)
    by_name = {case.name: case for case in cases}
    out = figures(by_name)
    print(table(out, by_name))
    print(
        f"machine: {info['cpus']} CPUs, {info['cpu']}, {info.get('ram_gb', '?')} GB RAM, "
        f"Python {info['python']}, textual {info['textual']}, rich {info['rich']}, "
        f"numpy {info['numpy']}"
    )
    if args.json:
        args.json.write_text(json.dumps({**out, "machine": info}, indent=2) + "\n")
    missed = [key for key, _, ok in TARGETS if _safe(ok, out) is False]
    return 1 if missed else 0


def _safe(test: Callable[[dict[str, float]], bool], out: dict[str, float]) -> bool | None:
    try:
        return test(out)
    except KeyError:
        return None


if __name__ == "__main__":
    raise SystemExit(main())

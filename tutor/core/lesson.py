"""The lesson model: a Markdown file with front matter, sections and live blocks.

The parser keeps the source line of everything it makes, because every problem an
author can cause is reported as ``path:line: message``. It checks the structure of
a lesson (front matter, fences, block kinds, quiz keys); running the blocks and
proving the quizzes is ``tutor.core.checking``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tutor.core.errors import TutorError
from tutor.core.files import FileTooLarge, NotRegularFile, read_regular_file

#: Fence info strings that make a block live.
LIVE_KINDS = ("compute", "quiz", "epoch", "plot")
#: Fence info strings shown as code and never run.
DISPLAY_KINDS = (
    "",
    "text",
    "python",
    "py",
    "pycon",
    "console",
    "bash",
    "sh",
    "shell",
    "yaml",
    "markdown",
    "md",
    "json",
    "output",
    "math",
)
#: A lesson file larger than this is refused before it is read as text.
MAX_LESSON_BYTES = 1_000_000
PAUSE_MARK = "<!-- pause -->"

_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)(.*)$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson file, at a line of it."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class LessonError(TutorError):
    """A lesson file that cannot be used; carries every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class Prose:
    """Markdown text between live blocks, as written (math not yet converted)."""

    text: str
    line: int


@dataclass(frozen=True)
class Pause:
    """A reveal point: presenting, what follows appears on the next key press."""

    line: int


@dataclass(frozen=True)
class Block:
    """A live fenced block: its kind, its body and where it stands in the file."""

    kind: str
    line: int
    body: str
    body_line: int
    data: dict[str, Any] | None = None

    @property
    def quiz_id(self) -> str | None:
        """The quiz's id, for a quiz block."""
        if self.kind == "quiz" and self.data is not None:
            value = self.data.get("id")
            return str(value) if value is not None else None
        return None


Part = Prose | Pause | Block


@dataclass(frozen=True)
class Section:
    """A ``##`` section; the app steps through a lesson one section at a time."""

    title: str
    line: int
    parts: tuple[Part, ...]

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(part for part in self.parts if isinstance(part, Block))


@dataclass(frozen=True)
class Lesson:
    """One parsed lesson file."""

    path: Path
    id: str
    title: str
    order: int
    summary: str
    objectives: tuple[str, ...]
    seed: int
    sections: tuple[Section, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(block for section in self.sections for block in section.blocks)

    @property
    def quizzes(self) -> tuple[Block, ...]:
        return tuple(block for block in self.blocks if block.kind == "quiz")

    def quiz(self, quiz_id: str) -> Block | None:
        """The quiz block with this id, if the lesson has one."""
        return next((block for block in self.quizzes if block.quiz_id == quiz_id), None)


def read_lesson_text(path: Path) -> str:
    """The file's text, or a LessonError that says why it cannot be read as a lesson.

    The file is opened once, without blocking, and that open file is checked: a named
    pipe or a symlink to ``/dev/zero`` is refused at once, never waited on or read.
    """
    try:
        raw = read_regular_file(path, MAX_LESSON_BYTES)
    except NotRegularFile as error:
        raise _error(
            path, 1, f"not a regular file: a lesson is a text file (this is {error.kind})"
        ) from None
    except FileTooLarge as error:
        raise _error(
            path,
            1,
            f"file is {error.size:,} bytes; a lesson may be at most {MAX_LESSON_BYTES:,}",
        ) from None
    except OSError as error:
        raise _error(path, 1, f"cannot read the file: {error.strerror or error}") from None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise _error(path, line, "binary data (a NUL byte): a lesson is UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise _error(
            path, line, f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})"
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def parse_lesson(path: Path) -> Lesson:
    """Parse a lesson file, raising LessonError with every problem found."""
    return parse_lesson_text(read_lesson_text(path), path)


def parse_lesson_text(text: str, path: Path) -> Lesson:
    """Parse lesson text that came from ``path`` (used in messages only)."""
    problems: list[Problem] = []
    lines = text.split("\n")
    if not text.strip():
        raise _error(path, 1, "empty file: a lesson starts with a '---' front-matter block")
    meta, body_start = _front_matter(lines, path, problems)
    sections = _sections(lines, body_start, path, problems)
    key_lines = _key_lines(lines[1 : body_start - 1], first_line=2)
    lesson = _lesson_from(meta, sections, path, problems, key_lines) if meta is not None else None
    if problems or lesson is None:
        raise LessonError(sorted(problems, key=lambda p: p.line))
    return lesson


def _error(path: Path, line: int, message: str) -> LessonError:
    return LessonError([Problem(path, line, message)])


def _front_matter(
    lines: list[str], path: Path, problems: list[Problem]
) -> tuple[dict[str, Any] | None, int]:
    """The front matter as a mapping (None if unreadable), and the first line after it."""
    if lines[0].strip() != "---":
        raise _error(
            path,
            1,
            "missing front matter: a lesson starts with a '---' line, "
            "then id, title, order and summary, then '---'",
        )
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise _error(path, 1, "front matter is not closed: add a '---' line after it")
    text = "\n".join(lines[1:end])
    data = _load_yaml(text, path, 2, "front matter", problems)
    if data is None:
        return ({} if not text.strip() else None), end + 1
    if not isinstance(data, dict):
        problems.append(Problem(path, 2, "front matter must be 'key: value' lines"))
        return None, end + 1
    return data, end + 1


def _key_lines(lines: list[str], first_line: int) -> dict[str, int]:
    """The line of each top-level key of a YAML mapping, for pointing at it."""
    found: dict[str, int] = {}
    for offset, text in enumerate(lines):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", text)
        if match:
            found.setdefault(match.group(1), first_line + offset)
    return found


#: libyaml's safe loader, when PyYAML has it: the same documents read five times faster
#: (reading every lesson's YAML is a large part of opening the app). Text that fails,
#: or that ``_shape_problem`` refuses, goes to ``_LessonYamlLoader``, which reports it.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
#: Deeper than any lesson needs; composing YAML recurses once per level, so a
#: 100,000-deep list would otherwise exhaust the stack (and fail the whole folder).
MAX_YAML_DEPTH = 32
#: Values (scalars, lists, mappings) in one block or front matter, far above any lesson's.
MAX_YAML_NODES = 20_000
#: Whole numbers in a lesson fit in 64 bits: no count, size, seed or order needs more.
MAX_WHOLE_NUMBER = 2**63 - 1
_INT_TAG = "tag:yaml.org,2002:int"
_RESOLVER = yaml.resolver.Resolver()
_INT_READER = yaml.constructor.SafeConstructor()


def _load_yaml(text: str, path: Path, first_line: int, what: str, problems: list[Problem]) -> Any:
    """YAML parsed safely, or None with a problem at the offending line.

    Its shape is checked first, event by event (the parser is iterative and stops at
    the first problem), so nothing too deep, too large or too big a number is ever
    built into Python objects.
    """
    if _FAST_LOADER is not None:
        try:
            if _shape_problem(text, _FAST_LOADER) is None:
                return yaml.load(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass  # read again below, which says what is wrong in the words problems use
    try:
        found = _shape_problem(text, yaml.SafeLoader)
        if found is not None:
            line, message = found
            problems.append(Problem(path, first_line + line, f"{message} in {what}"))
            return None
        return yaml.load(text, Loader=_LessonYamlLoader)  # a SafeLoader, without aliases
    except yaml.MarkedYAMLError as error:
        line, detail = _where_and_why(error, text)
        problems.append(Problem(path, first_line + line, f"bad YAML in {what}: {detail}"))
    except yaml.YAMLError as error:
        line = first_line + _reader_line(text, error)
        problems.append(Problem(path, line, f"bad YAML in {what}: {_one_line(str(error))}"))
    return None


def _shape_problem(text: str, loader: Any) -> tuple[int, str] | None:
    """(0-based line, message) of the first thing no lesson's YAML has, else None.

    Too deep a nesting, too many values, or a whole number beyond 64 bits. Aliases are
    left to ``_LessonYamlLoader``, which refuses them at their line. Raises YAMLError
    for text that is not YAML (the caller reports it).
    """
    depth = nodes = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in lessons", event.start_mark
            )
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        nodes += 1
        if nodes > MAX_YAML_NODES:
            return event.start_mark.line, f"more than {MAX_YAML_NODES:,} values"
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return event.start_mark.line, f"lists or mappings nested over {MAX_YAML_DEPTH} deep"
        elif isinstance(event, yaml.ScalarEvent) and event.implicit[0]:
            message = _number_problem(event.value)
            if message is not None:
                return event.start_mark.line, message
    return None


def _number_problem(value: str) -> str | None:
    """Why a plain YAML scalar that reads as a whole number is out of range, if it is."""
    if _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _INT_TAG:
        return None
    digits = sum(char.isalnum() for char in value)
    shown = value if len(value) <= 24 else f"{value[:12]}...({len(value)} characters)"
    too_large = f"the number {shown} is too large (at most {MAX_WHOLE_NUMBER:,})"
    if digits > 70:  # beyond 64 bits in any base YAML has; never converted at all
        return too_large
    number = _INT_READER.construct_yaml_int(yaml.ScalarNode(_INT_TAG, value))
    return too_large if abs(number) > MAX_WHOLE_NUMBER else None


class _LessonYamlLoader(yaml.SafeLoader):
    """YAML's safe subset, less anchors and aliases.

    A few hundred bytes of nested aliases expand to millions of items (and messages
    that quote them); no lesson needs them, so an alias is a problem at its line.
    """

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in lessons", event.start_mark
            )
        return super().compose_node(parent, index)


def _where_and_why(error: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    """The 0-based line to blame for a YAML error, and what to say about it.

    Usually the line where the problem was found. But a quote or bracket left open
    is only found wrong at the end of the text, lines below the mistake: then the
    line where it was opened (the error's context) is the one an author must fix.
    """
    problem, context = error.problem_mark, error.context_mark
    detail = _one_line(error.problem or error.context or "invalid YAML")
    at_end = problem is not None and problem.index >= len(text.rstrip())
    if context is not None and (problem is None or at_end):
        opened = _one_line(error.context or "")
        opened = opened.removeprefix("while scanning ").removeprefix("while parsing ")
        opened = opened.removeprefix("a ").removeprefix("an ")
        return context.line, f"{detail} (the {opened} opened here is never closed)"
    return (problem.line if problem else 0), detail


def _reader_line(text: str, error: yaml.YAMLError) -> int:
    """The 0-based line of a ReaderError (a bad character), which has no mark."""
    position = getattr(error, "position", None)
    return text.count("\n", 0, position) if isinstance(position, int) else 0


def _one_line(message: str) -> str:
    """A message fit for one ``path:line: message`` line."""
    return " ".join(message.split())


def _sections(lines: list[str], start: int, path: Path, problems: list[Problem]) -> list[Section]:
    """Split the body into sections of prose, pauses and blocks."""
    builder = _SectionBuilder()
    index = start
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence:
            index = _read_fence(lines, index, fence, path, problems, builder)
            continue
        if line.startswith("## "):
            builder.start_section(line[3:].strip(), index + 1)
        elif line.strip() == PAUSE_MARK:
            builder.add(Pause(index + 1))
        elif line.startswith("# ") and builder.is_empty():
            pass  # the lesson's own title heading; the front matter's title is shown
        else:
            builder.add_prose_line(line, index + 1)
        index += 1
    return builder.finish()


def _read_fence(
    lines: list[str],
    index: int,
    fence: re.Match[str],
    path: Path,
    problems: list[Problem],
    builder: _SectionBuilder,
) -> int:
    """Consume one fenced block; return the index of the line after it."""
    marker, info = fence.group(1), fence.group(2).strip().lower()
    closing = next(
        (
            j
            for j in range(index + 1, len(lines))
            if lines[j].strip().startswith(marker[0] * len(marker))
            and not lines[j].strip().strip(marker[0])
        ),
        None,
    )
    if closing is None:
        problems.append(
            Problem(path, index + 1, f"unterminated code fence: add a closing {marker} line")
        )
        return len(lines)
    body = "\n".join(lines[index + 1 : closing])
    if info in LIVE_KINDS:
        builder.add(_live_block(info, body, index + 1, path, problems))
    elif info in DISPLAY_KINDS:
        for offset in range(index, closing + 1):
            builder.add_prose_line(lines[offset], offset + 1)
    else:
        problems.append(Problem(path, index + 1, _unknown_kind_message(info)))
    return closing + 1


def _unknown_kind_message(info: str) -> str:
    import difflib

    close = difflib.get_close_matches(info, LIVE_KINDS, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    shown = ", ".join(kind for kind in DISPLAY_KINDS if kind)
    return (
        f"unknown block type '{info}'{hint}: live blocks are {', '.join(LIVE_KINDS)}; "
        f"code shown as it is is fenced as {shown}"
    )


def _live_block(kind: str, body: str, line: int, path: Path, problems: list[Problem]) -> Block:
    """A live block; YAML kinds are parsed and must be mappings."""
    if kind == "compute":
        if not body.strip():
            problems.append(Problem(path, line, "empty compute block"))
        return Block(kind, line, body, line + 1)
    data = _load_yaml(body, path, line + 1, f"{kind} block", problems)
    if data is not None and not isinstance(data, dict):
        problems.append(Problem(path, line, f"a {kind} block holds 'key: value' lines"))
        data = None
    elif data is None and not body.strip():
        problems.append(Problem(path, line, f"empty {kind} block"))
    return Block(kind, line, body, line + 1, data)


class _SectionBuilder:
    """Collects parts into sections while the body is read line by line."""

    def __init__(self) -> None:
        self._sections: list[Section] = []
        self._title = ""
        self._line = 1
        self._parts: list[Part] = []
        self._prose: list[str] = []
        self._prose_line = 0

    def is_empty(self) -> bool:
        return not self._sections and not self._parts and not "".join(self._prose).strip()

    def start_section(self, title: str, line: int) -> None:
        self._close_section()
        self._title, self._line = title, line

    def add_prose_line(self, text: str, line: int) -> None:
        if not self._prose:
            self._prose_line = line
        self._prose.append(text)

    def add(self, part: Part) -> None:
        self._flush_prose()
        self._parts.append(part)

    def finish(self) -> list[Section]:
        self._close_section()
        return self._sections

    def _flush_prose(self) -> None:
        while self._prose and not self._prose[0].strip():
            self._prose.pop(0)
            self._prose_line += 1
        text = "\n".join(self._prose).rstrip()
        if text.strip():
            self._parts.append(Prose(text, self._prose_line))
        self._prose = []

    def _close_section(self) -> None:
        self._flush_prose()
        if self._parts or self._title:
            self._sections.append(Section(self._title, self._line, tuple(self._parts)))
        self._parts = []


def _lesson_from(
    meta: dict[str, Any],
    sections: list[Section],
    path: Path,
    problems: list[Problem],
    key_lines: dict[str, int],
) -> Lesson | None:
    """Check the front matter's keys and build the Lesson."""

    def at(key: str) -> int:
        return key_lines.get(key, 1)

    missing = [key for key in ("id", "title", "order", "summary") if key not in meta]
    if missing:
        problems.append(Problem(path, 1, f"front matter lacks {', '.join(missing)}"))
        return None
    lesson_id = str(meta["id"])
    if not _ID_PATTERN.fullmatch(lesson_id):
        problems.append(
            Problem(path, at("id"), f"id {lesson_id!r} must be lowercase letters, digits and '-'")
        )
    order = meta["order"]
    if not isinstance(order, int) or isinstance(order, bool):
        problems.append(Problem(path, at("order"), f"order must be a whole number, not {order!r}"))
        order = 0
    seed = meta.get("seed", order)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        problems.append(
            Problem(path, at("seed"), f"seed must be a whole number >= 0, not {seed!r}")
        )
        seed = 0
    objectives = meta.get("objectives") or []
    if not isinstance(objectives, list):
        problems.append(Problem(path, at("objectives"), "objectives must be a list"))
        objectives = []
    _check_quiz_ids(sections, path, problems)
    return Lesson(
        path=path,
        id=lesson_id,
        title=str(meta["title"]),
        order=order,
        summary=str(meta["summary"]),
        objectives=tuple(str(item) for item in objectives),
        seed=seed,
        sections=tuple(sections),
        meta=meta,
    )


def _check_quiz_ids(sections: list[Section], path: Path, problems: list[Problem]) -> None:
    """Every quiz has an id, and no two quizzes in a lesson share one."""
    seen: dict[str, int] = {}
    for section in sections:
        for block in section.blocks:
            if block.kind != "quiz" or block.data is None:
                continue
            quiz_id = block.quiz_id
            if quiz_id is None:
                problems.append(Problem(path, block.line, "quiz has no id"))
            elif quiz_id in seen:
                problems.append(
                    Problem(
                        path,
                        block.line,
                        f"duplicate quiz id '{quiz_id}' (first at line {seen[quiz_id]})",
                    )
                )
            else:
                seen[quiz_id] = block.line

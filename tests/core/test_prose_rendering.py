"""Lesson prose drawn without a Markdown library: the same screen Rich's Markdown gives."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.markdown import Markdown

from tutor.core.lesson import Prose
from tutor.core.library import load_library
from tutor.core.mathtext import render_math
from tutor.core.paths import bundled_lessons_dir
from tutor.rendering.prose import inline_text, parse_blocks, prose_renderable


def plain(renderable, width: int = 60) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.file.getvalue().strip("\n").split("\n"))


def bundled_prose() -> list[tuple[str, str]]:
    library = load_library(bundled_lessons_dir())
    return [
        (f"{lesson.id}:{part.line}", render_math(part.text))
        for lesson in library.lessons
        for section in lesson.sections
        for part in section.parts
        if isinstance(part, Prose)
    ]


@pytest.mark.parametrize("width", [40, 80, 120])
def test_every_bundled_lesson_reads_as_rich_markdown_draws_it(width: int) -> None:
    different = [
        where
        for where, text in bundled_prose()
        if plain(prose_renderable(text), width) != plain(Markdown(text), width)
    ]
    assert different == []


SAMPLES = [
    "A **bold** and *italic* word, `code`, __strong__ and _em_, and a [link](https://x.org).",
    "snake_case_name and W_1 stay as written; 2*3*4 too; \\*not italic\\*.",
    "- one\n- two, long enough to wrap onto a second line at this width\n  - nested\n- three",
    "3. third\n4. fourth\n\n   with a second paragraph\n5. fifth",
    "> quoted text that is long enough to wrap at a narrow width\n> and more of it",
    "| a | b |\n| --- | --- |\n| `x` | **y** |\n| 1 | 2 |",
    "Before\n\n```python\nA[0, 2]  # a comment\n```\n\nAfter\n\n---\n\n### Heading three",
    "# Title\n\nline one  \nline two\\\nline three",
    "``code with ` inside`` and ` spaced `",
    # Flanking: a run after punctuation and before a letter or digit neither opens nor
    # closes, so a power stays a power.
    "sum((Y - X @ W1 @ W2)**2). Not sum(Y - X @ W1 @ W2)**2, whose errors cancel.",
    "**(a)** b, x**2 + y**2, a ** b ** c",
    "*(x)*y stays; (x)*y* is (x) and an italic y",
]


def bundled_quiz_texts() -> list[tuple[str, str]]:
    """Every quiz prompt and solution, which quiz cards draw as prose too."""
    library = load_library(bundled_lessons_dir())
    texts = []
    for lesson in library.lessons:
        for block in lesson.quizzes:
            data = block.data if isinstance(block.data, dict) else {}
            for key in ("prompt", "solution"):
                if isinstance(data.get(key), str):
                    texts.append((f"{lesson.id}:{block.line}:{key}", render_math(data[key])))
    return texts


def test_every_bundled_quiz_prompt_and_solution_reads_as_rich_markdown_draws_it() -> None:
    texts = bundled_quiz_texts()
    assert len(texts) > 100
    different = [
        where for where, text in texts if plain(prose_renderable(text)) != plain(Markdown(text))
    ]
    assert different == []


@pytest.mark.parametrize("text", SAMPLES)
def test_constructs_read_as_rich_markdown_draws_them(text: str) -> None:
    assert plain(prose_renderable(text), 40) == plain(Markdown(text), 40)


def test_inline_styles() -> None:
    text = inline_text("a **b** *c* `d` [e](https://f)")
    styles = {text.plain[span.start : span.end]: str(span.style) for span in text.spans}
    assert styles["b"] == "bold"
    assert styles["c"] == "italic"
    assert styles["d"] == "bold cyan on black"
    assert "bright_blue" in styles["e"] and "link https://f" in styles["e"]


def test_blocks_of_a_lesson_like_text() -> None:
    blocks = parse_blocks(["Intro", "", "- a", "  - b", "", "| x |", "| - |", "| 1 |"])
    assert [block.kind for block in blocks] == ["paragraph", "list", "table"]
    (item,) = blocks[1].children
    assert [block.kind for block in item] == ["paragraph", "list"]
    assert blocks[2].rows == [["x"], ["1"]]


def test_an_empty_run_of_prose_draws_nothing() -> None:
    assert plain(prose_renderable("\n\n")) == ""


def test_a_fence_with_an_info_string_does_not_close_a_code_block() -> None:
    blocks = parse_blocks(["```", "```python", "x = 1", "```", "after"])
    assert [(block.kind, block.text) for block in blocks] == [
        ("code", "```python\nx = 1"),
        ("paragraph", "after"),
    ]
    text = "```\n```python\nx = 1\n```\n\nafter"
    assert plain(prose_renderable(text), 40) == plain(Markdown(text), 40)


#: Marks mixed the way hostile text mixes them, each read as Rich reads it.
MIXED_MARKS = [
    "[a](b |c| [d](e) | **f** [g](h",
    '[x](<y> "t") [x]( y ) [x](y "t) [[[x](y)',
    "| a | b |\n|:-|-:|\n| [c](d) | **e** |",
    "`` a ` b `` ``` c `` d ``` e ` f",
    "# Title ##\n\n####### seven\n\n##no space",
]


@pytest.mark.parametrize("text", MIXED_MARKS)
def test_linear_reading_matches_rich_on_mixed_marks(text: str) -> None:
    assert plain(prose_renderable(text), 40) == plain(Markdown(text), 40)


def test_nesting_beyond_the_cap_is_shown_as_its_text() -> None:
    from rich.style import Style
    from rich.text import Text

    from tutor.rendering import prose

    (quote,) = parse_blocks([">" * (prose.MAX_BLOCK_DEPTH + 5) + " deep"])
    depth, block = 0, quote
    while block.kind == "quote":
        depth, block = depth + 1, block.children[0]
    assert depth == prose.MAX_BLOCK_DEPTH + 1
    assert block.kind == "paragraph" and block.text == ">" * 4 + " deep"
    out = Text()
    prose._inline("**b** [c](d)", out, Style(), prose.MAX_INLINE_DEPTH + 1)
    assert out.plain == "**b** [c](d)"

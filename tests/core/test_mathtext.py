"""Lesson math to Unicode: the README's subset, the article's formulas, Markdown around it."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.core.mathtext import find_raw_latex, latex_to_unicode, render_math

GREEK = [
    ("\\alpha", "α"),
    ("\\beta", "β"),
    ("\\gamma", "γ"),
    ("\\delta", "δ"),
    ("\\Delta", "Δ"),
    ("\\epsilon", "ε"),
    ("\\eta", "η"),
    ("\\lambda", "λ"),
    ("\\mu", "μ"),
    ("\\nu", "ν"),
    ("\\sigma", "σ"),
    ("\\Sigma", "Σ"),
    ("\\theta", "θ"),
    ("\\pi", "π"),
    ("\\tau", "τ"),
    ("\\phi", "φ"),
    ("\\psi", "ψ"),
    ("\\omega", "ω"),
]

SYMBOLS = [
    ("\\partial f", "∂f"),
    ("\\sum x", "Σx"),
    ("\\prod x", "∏x"),
    ("\\nabla f", "∇f"),
    ("a \\cdot b", "a·b"),
    ("a \\times b", "a × b"),
    ("A \\ast B", "A ∗ B"),
    ("f \\circ g", "f ∘ g"),
    ("A \\odot B", "A ⊙ B"),
    ("a \\le b", "a ≤ b"),
    ("a \\ge b", "a ≥ b"),
    ("a \\ne b", "a ≠ b"),
    ("a \\approx b", "a ≈ b"),
    ("x \\to 0", "x → 0"),
    ("a \\rightarrow b", "a → b"),
    ("w \\leftarrow w - g", "w ← w − g"),
    ("a \\Rightarrow b", "a ⇒ b"),
    ("n \\to \\infty", "n → ∞"),
    ("x \\in S", "x ∈ S"),
    ("a \\quad b", "a  b"),
]

ACCENTS_AND_SCRIPTS = [
    # Precomposed letters where Unicode has them...
    ("\\hat{Y}", "\u0176"),
    ("\\tilde{Y}", "\u1ef8"),
    ("\\bar{a}", "\u0101"),
    # ...a combining mark where it has not.
    ("\\bar{x}", "x\u0304"),
    ("\\hat{\\theta}", "θ\u0302"),
    ("\\hat Y", "\u0176"),
    ("W^{(2)}", "W⁽²⁾"),
    ("X^T", "Xᵀ"),
    ("x^2", "x²"),
    ("a_{ij}", "aᵢⱼ"),
    ("Y_i", "Yᵢ"),
    ("e^{-x}", "e⁻ˣ"),
    ("\\sum_{i=1}^{n} x_i", "Σᵢ₌₁ⁿxᵢ"),
    ("W^{(2)T}", "W⁽²⁾ᵀ"),
    ("\\delta_{mi}", "δₘᵢ"),
    ("\\sum_i", "Σᵢ"),
    ("x^12", "x¹2"),  # as in TeX, a bare script takes one character
    # A group with any character that has no raised or lowered form falls back whole.
    ("x^{q}", "x^(q)"),
    ("x^{2q}", "x^(2q)"),
    ("W_{hidden}", "W_(hidden)"),
    ("a_{i,j}", "a_(i,j)"),
    ("x^{(q)}", "x^(q)"),
    ("\\nabla_W", "∇_(W)"),
    ("f_2'(C)", "f₂′(C)"),
    ("\\sigma'", "σ′"),
]

FRACTIONS_AND_TEXT = [
    ("\\frac{\\partial \\Delta}{\\partial W}", "∂Δ/∂W"),
    ("\\frac{1}{2}", "1/2"),
    ("\\frac12", "1/2"),
    ("\\frac{a + b}{c - d}", "(a + b)/(c − d)"),
    ("\\frac{1}{1+e^{-x}}", "1/(1+e⁻ˣ)"),
    ("\\frac{(a + b)}{2}", "(a + b)/2"),
    ("\\frac{a \\cdot b}{c}", "(a·b)/c"),
    ("\\text{Step}(z)", "Step(z)"),
    ("x \\text{ if } x > 0", "x if x > 0"),
    ("\\mathrm{ReLU}(x)", "ReLU(x)"),
    ("\\mathrm{d}x", "dx"),
    ("\\left( a + b \\right)^2", "(a + b)²"),
    ("\\left. f \\right|_0", "f|₀"),
    ("a\\,b", "ab"),
]

ARTICLE_FORMULAS = [
    (
        "\\delta W^{(2)} = 2 \\cdot (X \\cdot W^{(1)})^T \\cdot \\tilde{Y}",
        "δW⁽²⁾ = 2·(X·W⁽¹⁾)ᵀ·Ỹ",
    ),
    (
        "\\delta W^{(1)} = 2 \\cdot X^T \\cdot "
        "[((\\tilde{Y}\\ast f_2'(C)) \\cdot W^{(2)T})\\ast f_1'(A)]",
        "δW⁽¹⁾ = 2·Xᵀ·[((Ỹ∗f₂′(C))·W⁽²⁾ᵀ)∗f₁′(A)]",
    ),
    ("\\Delta = \\sum_i (Y_i - \\hat{Y}_i)^2", "Δ = Σᵢ(Yᵢ − Ŷᵢ)²"),
    (
        "\\frac{\\partial a_{mn}}{\\partial a_{ij}} = \\delta_{mi} \\delta_{nj}",
        "∂aₘₙ/∂aᵢⱼ = δₘᵢδₙⱼ",
    ),
    (
        "\\frac{\\partial C}{\\partial z_j} = \\frac{\\partial C}{\\partial r_j} "
        "\\cdot \\text{Step}(z_j)",
        "∂C/∂zⱼ = ∂C/∂rⱼ·Step(zⱼ)",
    ),
    ("\\sigma'(x) \\le 0.25", "σ′(x) ≤ 0.25"),
    ("\\delta W^{(2)} = 2 (X W^{(1)})^T \\tilde{Y}", "δW⁽²⁾ = 2(XW⁽¹⁾)ᵀỸ"),
]

SPACING = [
    # Factors side by side are a product: the author's space between them goes.
    ("X W", "XW"),
    ("2 (X)", "2(X)"),
    # A space before a script goes too; the script belongs to what precedes it.
    ("W ^T", "Wᵀ"),
    ("a _i", "aᵢ"),
    # An operator is spaced when the author spaced it on either side, tight otherwise.
    ("a+b", "a+b"),
    ("a + b", "a + b"),
    ("a= b", "a = b"),
    ("\\tilde{Y}\\ast f", "Ỹ∗f"),
    # A sign that starts a term sticks to it.
    ("x = -y", "x = −y"),
    ("(-1)^n", "(−1)ⁿ"),
    ("-x", "−x"),
    # Punctuation keeps the author's space after it, never one before.
    ("(i, j)", "(i, j)"),
    ("(i ,j)", "(i,j)"),
    ("f: X \\to Y", "f: X → Y"),
    # The centred dot is never spaced.
    ("a\\cdot b", "a·b"),
    # Leading and trailing spaces inside the dollars are not shown.
    ("  x  ", "x"),
]

PASS_THROUGH = [
    ("δW = 2·Xᵀ·Ỹ", "δW = 2·Xᵀ·Ỹ"),
    ("\\$5", "$5"),
    # Unknown commands stay exactly as written, with their arguments.
    ("x \\in \\mathbb{R}^n", "x ∈ \\mathbb{R}ⁿ"),
    ("\\foo x", "\\foo x"),
    ("\\operatorname{diag}(v)", "\\operatorname{diag}(v)"),
]


@pytest.mark.parametrize(("tex", "expected"), GREEK)
def test_greek_letters(tex: str, expected: str) -> None:
    assert latex_to_unicode(tex) == expected


@pytest.mark.parametrize(("tex", "expected"), SYMBOLS)
def test_symbols(tex: str, expected: str) -> None:
    assert latex_to_unicode(tex) == expected


@pytest.mark.parametrize(("tex", "expected"), ACCENTS_AND_SCRIPTS)
def test_accents_and_scripts(tex: str, expected: str) -> None:
    assert latex_to_unicode(tex) == expected


@pytest.mark.parametrize(("tex", "expected"), FRACTIONS_AND_TEXT)
def test_fractions_text_and_delimiters(tex: str, expected: str) -> None:
    assert latex_to_unicode(tex) == expected


@pytest.mark.parametrize(("tex", "expected"), ARTICLE_FORMULAS)
def test_article_formulas(tex: str, expected: str) -> None:
    assert latex_to_unicode(tex) == expected


@pytest.mark.parametrize(("tex", "expected"), SPACING)
def test_spacing_rule(tex: str, expected: str) -> None:
    assert latex_to_unicode(tex) == expected


@pytest.mark.parametrize(("tex", "expected"), PASS_THROUGH)
def test_plain_unicode_and_unknown_commands(tex: str, expected: str) -> None:
    assert latex_to_unicode(tex) == expected


def test_accents_are_precomposed_single_characters() -> None:
    """Ŷ and Ỹ must be one character each, so a terminal never misplaces the mark."""
    assert len(latex_to_unicode("\\hat{Y}")) == 1
    assert len(latex_to_unicode("\\tilde{Y}")) == 1


# --- render_math ---------------------------------------------------------------------


def test_render_math_inline_and_display_on_one_line() -> None:
    text = "The loss $\\Delta = \\sum_i (Y_i - \\hat{Y}_i)^2$ and $$\\nabla f$$ here."
    assert render_math(text) == "The loss Δ = Σᵢ(Yᵢ − Ŷᵢ)² and ∇f here."


def test_render_math_leaves_code_spans_alone() -> None:
    text = "Type `$x^2$` or ``a ` $b$`` to get $x^2$."
    assert render_math(text) == "Type `$x^2$` or ``a ` $b$`` to get x²."


def test_render_math_leaves_fenced_blocks_alone() -> None:
    text = "$a^2$\n```python\ncost = '$x^2$'\n```\n~~~~\n$\\alpha$\n~~~~\n$b_i$"
    expected = "a²\n```python\ncost = '$x^2$'\n```\n~~~~\n$\\alpha$\n~~~~\nbᵢ"
    assert render_math(text) == expected


def test_render_math_unclosed_fence_runs_to_the_end() -> None:
    text = "$x^2$\n```\n$y^2$\n$z^2$"
    assert render_math(text) == "x²\n```\n$y^2$\n$z^2$"


def test_render_math_escaped_dollar_is_a_literal_dollar() -> None:
    text = "It costs \\$5, and $x^2$ costs \\$10."
    assert render_math(text) == "It costs $5, and x² costs $10."


def test_render_math_display_block_keeps_line_count() -> None:
    text = "Above\n$$\n  \\delta W^{(2)} = 2 (X W^{(1)})^T \\tilde{Y}\n$$\nBelow"
    rendered = render_math(text)
    assert rendered == "Above\n\nδW⁽²⁾ = 2(XW⁽¹⁾)ᵀỸ\n\nBelow"
    assert rendered.count("\n") == text.count("\n")


def test_render_math_unclosed_display_block_is_left_as_written() -> None:
    text = "$$\n\\alpha\nno closing line"
    assert render_math(text) == text


def test_render_math_unpaired_dollar_is_left_as_written() -> None:
    assert render_math("$x^2$ and $y") == "x² and $y"


def test_render_math_keeps_line_endings() -> None:
    assert render_math("$x^2$\r\nnext\n") == "x²\r\nnext\n"


# --- find_raw_latex ------------------------------------------------------------------


def test_find_raw_latex_reports_mathbb_with_line_and_column() -> None:
    text = "First line.\nLet $x \\in \\mathbb{R}^n$ be a vector."
    column = text.splitlines()[1].index("\\mathbb") + 1
    assert find_raw_latex(text) == [(2, column, "\\mathbb")]


def test_find_raw_latex_in_a_display_block() -> None:
    text = "intro\n$$\n  a \\cdots b\n$$\n"
    assert find_raw_latex(text) == [(3, 5, "\\cdots")]


def test_find_raw_latex_reports_an_unpaired_dollar() -> None:
    assert find_raw_latex("ok $x$\ncosts $5 today") == [(2, 7, "$")]
    assert find_raw_latex("$$\n\\alpha") == [(1, 1, "$$")]


def test_find_raw_latex_reports_commands_inside_text_and_arguments() -> None:
    text = "$\\frac{\\operatorname{tr} A}{2} + \\text{see \\cite}$"
    assert find_raw_latex(text) == [(1, 8, "\\operatorname"), (1, 44, "\\cite")]


def test_find_raw_latex_ignores_code() -> None:
    text = "`$\\mathbb{R}$`\n```\n$\\foo$ $\n```\n~~~\n$$\n~~~"
    assert find_raw_latex(text) == []


def test_every_supported_command_converts_without_report() -> None:
    supported = [tex for tex, _ in GREEK + SYMBOLS + ACCENTS_AND_SCRIPTS + FRACTIONS_AND_TEXT]
    text = "\n".join(f"${tex}$" for tex in supported)
    assert find_raw_latex(text) == []
    assert "\\" not in render_math(text)


# --- Robustness ----------------------------------------------------------------------


ADVERSARIAL_LINES = [
    "$" * 10_000,
    "`" * 10_000,
    "\\" * 10_000,
    "{" * 10_000,
    "$" + "{" * 9_998 + "$",
    "$" + "\\frac{" * 1_666 + "$",
    "$" + "x^{" * 3_333 + "$",
    "$" + "\\hat" * 2_499 + "$",
    "$$\\$" * 2_500,
    "` `` ``` ```` " * 700,
    "a $b" * 2_500,
    "$\\text{" * 1_428,
]


@pytest.mark.parametrize("line", ADVERSARIAL_LINES, ids=lambda line: repr(line[:8]))
def test_long_adversarial_line_finishes_fast(line: str) -> None:
    """A 10,000-character line must not backtrack: one pass takes milliseconds."""
    start = time.perf_counter()
    render_math(line)
    find_raw_latex(line)
    latex_to_unicode(line)
    assert time.perf_counter() - start < 2.0


LATEXISH = st.text(alphabet="$`\\{}^_'~-=+,. \nabxyTfrachtilde", max_size=80)


@settings(derandomize=True, max_examples=400)
@given(st.one_of(st.text(max_size=80), LATEXISH))
def test_never_raises(text: str) -> None:
    assert isinstance(render_math(text), str)
    assert isinstance(latex_to_unicode(text), str)
    for line, column, what in find_raw_latex(text):
        assert line >= 1 and column >= 1 and what


@settings(derandomize=True, max_examples=400)
@given(
    st.one_of(
        st.text(alphabet=st.characters(blacklist_characters="$"), max_size=80),
        st.text(alphabet="`\\{}^_~ \n\r-abc", max_size=80),
    )
)
def test_render_math_without_dollars_changes_nothing(text: str) -> None:
    assert render_math(text) == text

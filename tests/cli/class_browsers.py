"""Students in browsers, for the served class tests: sign in, move focus, answer quizzes.

A ``Browser`` speaks textual-serve's websocket protocol with the pieces of the load
driver (``benchmarks/serve_load.py``) and reads the screen as a student would, one
frame at a time: the app sends each frame it draws as one message.

Keys reach the widget that had focus when the app read them, and Textual moves focus
(after Enter in the name field, after Tab) a moment later, so a student that typed on
at once would type into the wrong field. Each step therefore waits for what a person
waits for: the field they are about to type in drawn on its own, which happens when
it takes the focus (its cursor appears) or its text changes, never for a full-screen
redraw (which starts elsewhere). Every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[2]


def _load_driver():
    spec = importlib.util.spec_from_file_location(
        "serve_load_driver", REPO / "benchmarks" / "serve_load.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


driver = _load_driver()
free_port = driver.free_port
ESCAPES = driver.ESCAPES

#: What an empty field shows (tutor.screens.sign_in and the quiz card's placeholder).
NAME_FIELD = "first and last name"
CODE_FIELD = "the code on your slip"
#: A field's top edge: a frame that starts with it redraws that field (and what follows).
FIELD_EDGE = "▊▔"
TAB, ENTER = "\t", "\r"
#: Ctrl+A then Ctrl+K: to the start of the field, and delete all to its right.
CLEAR_FIELD = ["\x01", "\x0b"]


class ScreenTimeout(AssertionError):
    """What a student waited for did not appear in time (or the connection closed)."""


@dataclass
class Browser:
    """One student's browser: the frames it was sent, and the keys it types."""

    websocket: aiohttp.ClientWebSocketResponse
    frames: list[str] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    reader: asyncio.Task | None = None
    #: Index of the first frame the current wait looks at.
    mark: int = 0

    @classmethod
    async def open(cls, http: aiohttp.ClientSession, port: int) -> Browser:
        websocket = await http.ws_connect(
            f"ws://127.0.0.1:{port}/ws?width=100&height=60",
            timeout=aiohttp.ClientWSTimeout(ws_close=5),
        )
        browser = cls(websocket)
        browser.reader = asyncio.ensure_future(browser._read())
        return browser

    async def _read(self) -> None:
        decoder = driver.Terminal().decoder
        async for message in self.websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.frames.append(ESCAPES.sub("", decoder.decode(message.data)))
                self.arrived.set()
        self.closed = True
        self.arrived.set()

    async def close(self) -> None:
        await self.websocket.close()
        if self.reader is not None:
            self.reader.cancel()

    @property
    def text(self) -> str:
        """Everything drawn since the last ``expect``."""
        return "".join(self.frames[self.mark :])

    async def type(self, *keys: str) -> None:
        """Send keys as typed; ``expect`` then waits for what comes of them."""
        for key in keys:
            await self.websocket.send_json(["stdin", key])

    def expect(self) -> None:
        """From now on, waits look only at frames drawn after this point."""
        self.mark = len(self.frames)

    async def until(self, found, what: str, timeout: float) -> str:
        """Wait for a frame (from the mark on) for which ``found(frame)`` is true."""
        deadline = time.monotonic() + timeout
        seen = self.mark
        while True:
            while seen < len(self.frames):
                frame = self.frames[seen]
                seen += 1
                if found(frame):
                    return frame
            if self.closed:
                raise ScreenTimeout(f"the connection closed while waiting for {what}")
            self.arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise ScreenTimeout(f"no {what} within {timeout} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)

    async def until_shown(self, text: str, timeout: float) -> str:
        return await self.until(lambda frame: text in frame, repr(text), timeout)

    async def until_focused(self, placeholder_or_text: str, timeout: float) -> None:
        """Wait until the field showing this text is drawn on its own (taking the focus)."""

        def field_alone(frame: str) -> bool:
            return frame.lstrip().startswith(FIELD_EDGE) and placeholder_or_text in frame

        await self.until(field_alone, f"the field with {placeholder_or_text!r}", timeout)

    async def sign_in(self, name: str, code: str, timeout: float) -> None:
        """Type the name, Enter, the code, Enter; then ``until_shown`` reads the answer."""
        await self.until_focused(NAME_FIELD, timeout)
        self.expect()
        await self.type(*name, ENTER)
        await self.until_focused(CODE_FIELD, timeout)
        self.expect()
        await self.type(*code, ENTER)

    async def answer(self, quiz: QuizOnScreen, text: str, state: str, timeout: float) -> None:
        """Type an answer in a focused quiz field, Enter, and wait for the card's new state.

        ``state`` is the card's status line after grading: ``passed ✓`` or
        ``attempt N of M``. The field is cleared first and seen empty, so what was
        typed before is not sent again.
        """
        self.expect()
        await self.type(*CLEAR_FIELD)
        await self.until_focused(quiz.placeholder, timeout)
        self.expect()
        await self.type(*text, ENTER)

        def graded(frame: str) -> bool:
            return any(
                quiz.prompt in card and state in card and ("✓" in card or "✗" in card)
                for card in frame.split("╭─ quiz")[1:]
            )

        await self.until(graded, f"{quiz.prompt!r} graded ({state})", timeout)


@dataclass(frozen=True)
class QuizOnScreen:
    """How a quiz card reads on screen: its prompt, and its empty field's placeholder."""

    prompt: str
    placeholder: str

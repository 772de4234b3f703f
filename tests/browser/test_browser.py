"""tutor in a real browser: ``tutor serve``, headless Chromium, and the terminal's own text.

textual-serve draws the terminal with xterm.js on a canvas, so the lesson's words are
not in the page's DOM. The test drives Chromium over the DevTools protocol instead:
before the page's scripts run it installs a setter that catches textual-serve's
terminal object as it is built, then reads xterm's screen buffer line by line, the
text a student sees. A screenshot of the page is kept as an artifact (its path is
printed). Every request the page makes is recorded from the protocol's network
events, so a font or script fetched from another host fails the test; Chromium also
resolves no name but loopback, as in an offline classroom. Every wait is bounded;
the server, its sessions and Chromium are killed by process group at the end.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.core.library import load_library

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)"
)
aiohttp = pytest.importorskip("aiohttp", reason="aiohttp comes with textual-serve")

#: Runs before textual.js: the first object that sets ``websocket_url`` is textual-serve's
#: terminal session (it holds the xterm.js ``terminal``); keep it where the test can read it.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, 'websocket_url', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'websocket_url', {value, writable: true, configurable: true});
    window.__tutorSession = this;
  },
});
"""
READ_SCREEN = """(() => {
  const session = window.__tutorSession;
  if (!session || !session.terminal) return '';
  const buffer = session.terminal.buffer.active, lines = [];
  for (let row = 0; row < buffer.length; row++) {
    const line = buffer.getLine(row);
    if (line) lines.push(line.translateToString(true));
  }
  return lines.join('\\n');
})()"""
BROWSER_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, timeout: float, what: str):
    """Poll an outside process (bounded): it starts in its own time, not ours."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop_group(process: subprocess.Popen, first: signal.Signals) -> None:
    """Ask the process to stop, then kill whatever is left of its process group."""
    if process.poll() is None:
        process.send_signal(first)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


#: A lesson that writes every symbol the course relies on, in its first section.
GLYPH_LESSON = """\
---
id: glyphs
title: The symbols of the course
order: 1
summary: Every symbol the lessons write, as a terminal shows it.
---

## Symbols

Ỹ = Y − Ŷ, then ∂Δ/∂W and δW = Xᵀ·Ỹ; √2 and ∑ᵢ xᵢ.
"""
GLYPH_LINE = "Ỹ = Y − Ŷ, then ∂Δ/∂W and δW = Xᵀ·Ỹ; √2 and ∑ᵢ xᵢ."
#: Draws each symbol in the terminal's font on a canvas and compares it with the plain
#: letter beneath it and with a code point no font has: a font without the symbol
#: draws the letter alone (Ỹ as Y) or the missing-glyph box.
GLYPHS_DRAWN = """(() => {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  const picture = (text) => {
    context.clearRect(0, 0, 64, 64);
    context.font = '40px "Roboto Mono"';
    context.fillStyle = '#000';
    context.fillText(text, 8, 48);
    return Array.from(context.getImageData(0, 0, 64, 64).data).join(',');
  };
  const missing = picture('\u0378');
  const pairs = [['Ỹ', 'Y'], ['∂', 'd'], ['δ', 'd'], ['ᵀ', 'T'], ['√', 'v'], ['∑', 'E']];
  return pairs.map(([glyph, plain]) => {
    const drawn = picture(glyph);
    return [glyph, drawn !== picture(plain) && drawn !== missing && drawn !== picture('')];
  });
})()"""
FONT_STATE = """Array.from(document.fonts).filter(f => f.family.includes('Roboto Mono'))
  .map(f => f.weight + ':' + f.status).sort().join(' ')"""


@pytest.fixture
def lessons(tmp_path: Path) -> Path:
    folder = tmp_path / "glyph-lessons"
    folder.mkdir()
    (folder / "01-glyphs.md").write_text(GLYPH_LESSON, "utf-8")
    return folder


@pytest.fixture
def server() -> Iterator[int]:
    """``tutor serve`` on a free loopback port, with this test's TUTOR_HOME."""
    with tutor_serve() as port:
        yield port


@pytest.fixture
def glyph_server(lessons: Path) -> Iterator[int]:
    """``tutor serve`` of the one-lesson folder of symbols."""
    with tutor_serve("--lessons", str(lessons)) as port:
        yield port


@contextlib.contextmanager
def tutor_serve(*options: str) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )

    def listening() -> bool:
        assert process.poll() is None, "tutor serve exited early"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    try:
        wait_until(listening, 20, f"tutor serve on port {port}")
        yield port
    finally:
        stop_group(process, signal.SIGINT)


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[int]:
    """Headless Chromium with the DevTools protocol on a port it picks; yields that port."""
    profile = tmp_path / "chromium-profile"
    process = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # The page asks a web-font host for its font: fail that at once, offline.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--window-size=1280,800",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    active = profile / "DevToolsActivePort"
    try:
        wait_until(lambda: active.exists() and active.read_text().strip(), 20, "Chromium")
        yield int(active.read_text().split()[0])
    finally:
        stop_group(process, signal.SIGTERM)


class Page:
    """One browser tab, driven over its DevTools websocket."""

    def __init__(self, websocket) -> None:
        self.websocket = websocket
        self.next_id = 0
        #: Every address the page asked for (documents, scripts, fonts, websockets).
        self.requested: list[str] = []

    async def call(self, method: str, **params):
        self.next_id += 1
        await self.websocket.send_json({"id": self.next_id, "method": method, "params": params})
        while True:
            message = await asyncio.wait_for(self.websocket.receive_json(), BROWSER_TIMEOUT)
            if message.get("method") == "Network.requestWillBeSent":
                self.requested.append(message["params"]["request"]["url"])
            elif message.get("method") == "Network.webSocketCreated":
                self.requested.append(message["params"]["url"])
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]

    async def screen(self) -> str:
        result = await self.call("Runtime.evaluate", expression=READ_SCREEN, returnByValue=True)
        return result["result"].get("value") or ""

    async def wait_for_text(self, text: str, timeout: float = BROWSER_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = await self.screen()
            if text in screen:
                return screen
            await asyncio.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared in the browser; last screen:\n{screen}")

    async def value(self, expression: str):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def press(self, key: str) -> None:
        """Type a key into the terminal, as a student would with it focused."""
        await self.call("Runtime.evaluate", expression="window.__tutorSession.terminal.focus()")
        for kind in ("keyDown", "keyUp"):
            await self.call("Input.dispatchKeyEvent", type=kind, key=key, text=key)


async def open_page(session, devtools: int, url: str) -> Page:
    async with session.put(f"http://127.0.0.1:{devtools}/json/new?about:blank") as response:
        target = json.loads(await response.text())
    websocket = await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
    page = Page(websocket)
    await page.call("Page.enable")
    await page.call("Network.enable")
    await page.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
    await page.call("Page.navigate", url=url)
    return page


async def test_the_first_lesson_renders_in_a_browser(
    server: int, chromium: int, tmp_path: Path, capsys
) -> None:
    first = load_library().lessons[0]
    url = f"http://127.0.0.1:{server}/"
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        page = await open_page(session, chromium, url)
        screen = await page.wait_for_text(f"Lesson 1 · {first.title}")
        assert "section 1/" in screen and first.sections[0].title in screen
        shot = await page.call("Page.captureScreenshot", format="png")
        artifact = tmp_path / "tutor-in-chromium.png"
        artifact.write_bytes(base64.b64decode(shot["data"]))
        with capsys.disabled():
            print(f"\nbrowser screenshot: {artifact}")
        assert artifact.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        # Keys typed in the browser reach the app; a second browser is a session of its own.
        await page.press("n")
        await page.wait_for_text("section 2/")
        other = await open_page(session, chromium, url)
        other_screen = await other.wait_for_text(f"Lesson 1 · {first.title}")
        assert "section 1/" in other_screen
        await page.websocket.close()
        await other.websocket.close()


async def test_symbols_render_from_the_bundled_font_with_no_other_host(
    glyph_server: int, chromium: int, tmp_path: Path, capsys
) -> None:
    """Ỹ, ∂, δ, ᵀ, √ and ∑ reach the terminal intact and are drawn by the bundled font;
    the page asks nothing of any host but the one that served it."""
    url = f"http://127.0.0.1:{glyph_server}/?ping=http://example.org/"
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        page = await open_page(session, chromium, url)
        screen = await page.wait_for_text(GLYPH_LINE)
        assert "The symbols of the course" in screen
        assert await page.value(FONT_STATE) == "bold:loaded normal:loaded"
        drawn = dict(await page.value(GLYPHS_DRAWN))
        assert drawn == dict.fromkeys("Ỹ∂δᵀ√∑", True)
        shot = await page.call("Page.captureScreenshot", format="png")
        artifact = tmp_path / "tutor-symbols-in-chromium.png"
        artifact.write_bytes(base64.b64decode(shot["data"]))
        with capsys.disabled():
            print(f"\nsymbols screenshot: {artifact}")
        requested = list(page.requested)
        await page.websocket.close()
    ours = (f"http://127.0.0.1:{glyph_server}/", f"ws://127.0.0.1:{glyph_server}/")
    assert requested and any(address.endswith(".woff2") for address in requested)
    assert [address for address in requested if not address.startswith(ours)] == []

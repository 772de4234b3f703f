"""The web server: the page, its assets, and one websocket (one session) per browser.

It speaks textual-serve's protocol (the page runs textual-serve's own ``textual.js``),
but every door is ours: the page and its assets are a fixed list served from the
package (no directory listing, no other host), a websocket from a foreign page is
refused, the class has a size, every terminal size is clamped, and a session ends
with its browser. No message a browser can see names a file or folder of this
machine; the teacher's console gets the details.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import textual_serve
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.download_manager import DownloadManager

from tutor.serve.limits import clamp_size, cpu_count, origin_allowed
from tutor.serve.sessions import Session, SessionStarter, StarterFailed

ASSETS = Path(__file__).parent / "assets"
TEXTUAL_SERVE_STATIC = Path(textual_serve.__file__).parent / "static"
#: Every file the page may load, by the name it is asked for: nothing else is served.
STATIC_FILES: dict[str, tuple[Path, str]] = {
    "textual.js": (TEXTUAL_SERVE_STATIC / "js" / "textual.js", "text/javascript"),
    "xterm.css": (TEXTUAL_SERVE_STATIC / "css" / "xterm.css", "text/css"),
    "tutor.js": (ASSETS / "tutor.js", "text/javascript"),
    "tutor.css": (ASSETS / "tutor.css", "text/css"),
    "DejaVuSansMono.woff2": (ASSETS / "fonts" / "DejaVuSansMono.woff2", "font/woff2"),
    "DejaVuSansMono-Bold.woff2": (ASSETS / "fonts" / "DejaVuSansMono-Bold.woff2", "font/woff2"),
    "LICENSE-DejaVu.txt": (ASSETS / "fonts" / "LICENSE-DejaVu.txt", "text/plain"),
}
#: Seconds between websocket pings: a browser that vanished without closing (a laptop
#: lid, a dropped network) is noticed within 1.5 times this, and its session ended.
HEARTBEAT = 5.0
#: The largest message a browser may send (a paste); more closes the connection.
MAX_MESSAGE = 256 * 1024
#: The page's own font size bounds, in CSS pixels (``?fontsize=`` for a projector).
FONT_SIZES = range(8, 49)
SECURITY_HEADERS = {
    # The page, its scripts and its websocket come from here and nowhere else.
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; font-src 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: Seconds a starting session may hold its start slot before the next one starts anyway.
START_SLOT_TIMEOUT = 5.0
FULL_MESSAGE = "The class is full: every session is in use. Try again in a minute."
FOREIGN_MESSAGE = "This page may not open a tutor session."


@dataclass
class ServeConfig:
    """What the teacher chose on the command line, and what the server needs of it."""

    app_args: list[str]
    max_sessions: int
    allowed_origins: frozenset[str] = frozenset()
    title: str = "tutor"
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr))


class TutorServer:
    """The aiohttp application, its sessions and the fork server behind them."""

    def __init__(self, config: ServeConfig, starter: SessionStarter) -> None:
        self.config = config
        self.starter = starter
        self.download_manager = DownloadManager()
        self.sessions: dict[Session, web.WebSocketResponse] = {}
        self.starting = 0
        #: Sessions start a few at a time, one per core, each until its first screen:
        #: measured with thirty at once, starting them all together made every student
        #: wait for the slowest, and left none of the started ones CPU to answer keys
        #: (a dialog opened with g was not there yet when the next key came).
        self.start_slots = asyncio.Semaphore(cpu_count())
        self.page = Template((ASSETS / "page.html").read_text("utf-8"))

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.plain_errors], client_max_size=64 * 1024)
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/static/{name}", self.handle_static, name="static"),
                web.get("/download/{key}", self.handle_download, name="download"),
            ]
        )
        app.on_shutdown.append(self.on_shutdown)
        return app

    @property
    def in_use(self) -> int:
        """Sessions running or starting: what counts against ``max_sessions``."""
        return len(self.sessions) + self.starting

    @web.middleware
    async def plain_errors(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Every answer gets the security headers; an error is one plain line, no paths."""
        try:
            response = await handler(request)
        except web.HTTPException as error:
            response = web.Response(
                status=error.status, text=f"{error.status}: {error.reason}\n", headers=error.headers
            )
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception as error:
            self.config.log(f"tutor serve: {request.path}: {type(error).__name__}: {error}")
            response = web.Response(status=500, text="500: something went wrong in tutor serve\n")
        if not response.prepared:
            response.headers.update(SECURITY_HEADERS)
        return response

    async def handle_index(self, request: web.Request) -> web.Response:
        if self.in_use >= self.config.max_sessions:
            return web.Response(status=503, text=self.full_page(), content_type="text/html")
        font = request.query.get("fontsize", "16")
        font_size = int(font) if font.isdigit() and int(font) in FONT_SIZES else 16
        # Behind a TLS reverse proxy the page is https but reaches us as http: the proxy
        # says so, and the page must then open its websocket as wss (a browser refuses
        # ws from an https page). A client that lies only breaks its own page.
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        scheme = "wss" if "https" in (request.scheme, forwarded) else "ws"
        page = self.page.substitute(
            title=html.escape(self.config.title),
            websocket_url=html.escape(f"{scheme}://{request.host}/ws"),
            font_size=font_size,
        )
        return web.Response(text=page, content_type="text/html")

    def full_page(self) -> str:
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.config.title)}: the class is full</title></head>"
            '<body style="font-family: sans-serif; margin: 3em; font-size: 1.3em">'
            f"<h1>The class is full</h1><p>All {self.config.max_sessions} sessions are in "
            "use. Try again in a minute (reload this page), or ask your teacher.</p>"
            "</body></html>"
        )

    async def handle_static(self, request: web.Request) -> web.StreamResponse:
        entry = STATIC_FILES.get(request.match_info["name"])
        if entry is None:
            raise web.HTTPNotFound()
        path, content_type = entry
        return web.FileResponse(
            path, headers={"Content-Type": content_type, "Cache-Control": "max-age=3600"}
        )

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if not origin_allowed(origin, request.host, self.config.allowed_origins):
            self.config.log(f"tutor serve: refused a session for a page from {origin!r}")
            return web.Response(status=403, text=f"403: {FOREIGN_MESSAGE}\n")
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_MESSAGE)
        await websocket.prepare(request)
        if self.in_use >= self.config.max_sessions or self.starter.gone.is_set():
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=FULL_MESSAGE.encode())
            return websocket
        columns, rows = clamp_size(request.query.get("width"), request.query.get("height"))
        session = Session(
            self.starter,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        self.starting += 1
        reading: asyncio.Future[None] | None = None
        try:
            try:
                async with self.start_slots:
                    if websocket.closed:
                        return websocket
                    await session.start(columns, rows)
                    reading = asyncio.ensure_future(self.read_browser(websocket, session))
                    painted = asyncio.ensure_future(session.painted.wait())
                    waits = {painted, reading} | ({session.task} if session.task else set())
                    await asyncio.wait(
                        waits, timeout=START_SLOT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
                    )
                    painted.cancel()
            finally:
                self.starting -= 1
            self.sessions[session] = websocket
            waits = {reading} | ({session.task} if session.task else set())
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if not websocket.closed:
                # The app ended (q, or a crash): say so, rather than leave a frozen screen.
                await websocket.close(message=b"Your tutor session ended.")
        except StarterFailed as error:
            self.config.log(f"tutor serve: could not start a session: {error}")
            await websocket.close(
                code=WSCloseCode.TRY_AGAIN_LATER, message=b"tutor could not start a session."
            )
        finally:
            if reading is not None:
                reading.cancel()
            self.sessions.pop(session, None)
            await session.stop()
        return websocket

    async def read_browser(self, websocket: web.WebSocketResponse, session: Session) -> None:
        """Pass the browser's messages on, in order; ignore any that make no sense."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                await session.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                await session.set_terminal_size(*clamp_size(data.get("width"), data.get("height")))
            elif kind == "ping" and isinstance(data, str) and len(data) <= 32:
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """A file the app delivered (Ctrl+S's SVG), streamed from its session."""
        key = request.match_info["key"]
        try:
            download = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound() from None
        response = web.StreamResponse()
        content_type = download.mime_type
        if download.encoding:
            content_type += f"; charset={download.encoding}"
        name = "".join(c for c in download.file_name if c.isalnum() or c in "-_.") or "download"
        disposition = "inline" if download.open_method == "browser" else "attachment"
        response.headers["Content-Type"] = content_type
        response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
        response.headers.update(SECURITY_HEADERS)
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every browser's connection and end every session, in bounded time."""
        closing = [
            websocket.close(code=WSCloseCode.GOING_AWAY, message=b"The teacher stopped tutor.")
            for websocket in self.sessions.values()
        ]
        if closing:
            await asyncio.wait([asyncio.ensure_future(c) for c in closing], timeout=1.0)
        await self.starter.close()


async def serve(
    config: ServeConfig,
    host: str,
    port: int,
    announce: Callable[[], None],
    stop: asyncio.Event | None = None,
) -> None:
    """Run until SIGINT or SIGTERM (or ``stop``), then end every session and return."""
    starter = SessionStarter(config.app_args)
    await starter.start()
    server = TutorServer(config, starter)
    runner = web.AppRunner(
        server.make_app(), handle_signals=False, access_log=None, shutdown_timeout=2.0
    )
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        await site.start()
        announce()
        gone = asyncio.ensure_future(starter.gone.wait())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({gone, stopping}, return_when=asyncio.FIRST_COMPLETED)
        gone.cancel()
        stopping.cancel()
        if starter.gone.is_set() and not stop.is_set():
            raise StarterFailed("the session starter stopped unexpectedly")
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
        with contextlib.suppress(Exception):
            await runner.cleanup()
        await starter.close()

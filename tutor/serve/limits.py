"""What a browser may ask of the server: terminal sizes, origins, how many at once.

Everything here is a plain function of its arguments, so the rules that keep a
classroom server safe are tested without starting one.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

#: The largest terminal a session gets, whatever the browser asks: the app's largest
#: useful layout (a projector at a small font), and a bound on what a screen costs.
MAX_COLUMNS = 300
MAX_ROWS = 100
#: The smallest: the app explains that the window is too small below its own minimum,
#: but a terminal of zero or negative size is nothing a driver should be handed.
MIN_COLUMNS = 10
MIN_ROWS = 4
#: The size used when a request names none, or names nonsense.
DEFAULT_SIZE = (80, 24)

#: What one session may use, for the default cap: measured, a forked session holds
#: about 30 MB of its own; a busy one (a large epoch animation) reaches 80-100 MB.
SESSION_BUDGET_MB = 150
#: The default cap never falls below a small group nor rises above what two cores serve.
MIN_DEFAULT_SESSIONS = 4
MAX_DEFAULT_SESSIONS = 100

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size the app can use, from whatever the browser sent.

    Numbers arrive as query strings or JSON values: anything that is not a whole
    number falls back to the default, and every number is held inside the limits.
    """
    return (
        _clamp(width, DEFAULT_SIZE[0], MIN_COLUMNS, MAX_COLUMNS),
        _clamp(height, DEFAULT_SIZE[1], MIN_ROWS, MAX_ROWS),
    )


def _clamp(value: object, default: int, low: int, high: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip()
        # A thousand-digit number is still "very large": no need to convert all of it.
        number = int(digits) if len(digits) <= 6 else high
    else:
        return default
    return max(low, min(high, number))


def available_memory_mb(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """The memory the kernel says new work can have (MemAvailable), in MB, if known."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def default_max_sessions(memory_mb: int | None) -> int:
    """How many sessions a machine with ``memory_mb`` free can hold, with room to spare.

    Half the free memory goes to sessions, at ``SESSION_BUDGET_MB`` each; the rest stays
    for the teacher's own programs. Unknown memory gives the smallest default.
    """
    if memory_mb is None:
        return MIN_DEFAULT_SESSIONS
    fitting = memory_mb // 2 // SESSION_BUDGET_MB
    return max(MIN_DEFAULT_SESSIONS, min(MAX_DEFAULT_SESSIONS, fitting))


def normal_origin(text: str) -> str | None:
    """``scheme://host:port`` in lower case with the port always written, or None.

    ``https://Class.Example`` and ``https://class.example:443`` are the same origin, so
    both become ``https://class.example:443``. Anything with a path, a user or no host
    is not an origin.
    """
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or parts.username is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port or DEFAULT_PORTS[scheme]}"


def origin_allowed(origin: str | None, host: str | None, allowed: frozenset[str]) -> bool:
    """True if a websocket with this ``Origin`` header may open a session.

    A browser always sends ``Origin`` with a websocket; a page from another site that
    tries to open a session in a student's browser (cross-site websocket hijacking)
    shows its own origin, which matches neither the address the browser used for us
    (the ``Host`` header) nor an origin the teacher allowed with ``--allow-origin``.
    A client that sends no ``Origin`` is not a browser, and gets nothing a browser
    page could abuse, so it is let in.
    """
    if origin is None:
        return True
    normal = normal_origin(origin)
    if normal is None:
        return False
    if normal in allowed:
        return True
    if not host:
        return False
    scheme = normal.split("://", 1)[0]
    served = normal_origin(f"{scheme}://{host.strip()}")
    return served == normal


def allowed_origins(texts: list[str]) -> frozenset[str]:
    """The ``--allow-origin`` values, normalised; raises ValueError naming a bad one."""
    origins = set()
    for text in texts:
        normal = normal_origin(text)
        if normal is None:
            raise ValueError(
                f"--allow-origin {text!r} is not an origin like https://class.example.org"
            )
        origins.add(normal)
    return frozenset(origins)


def cpu_count() -> int:
    """The cores this process may run on (what a server can start sessions on at once)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1

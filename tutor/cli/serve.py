"""``tutor serve``: the app in students' browsers, one session per browser.

Every browser that opens the page gets its own ``tutor`` process, forked from one
that imported tutor once (``tutor.serve``), with ``--lessons`` and ``--seed`` passed
on, starting from no progress and saving none (so thirty students never write one
progress file). The server binds to loopback unless ``--host`` says otherwise, and
says so, because a teacher who wants the class to connect must choose to open the
port to the network. How many sessions, from which pages, and how large a terminal,
are bounded at the door (``tutor.serve.limits``).
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import socket
import sys

from tutor.cli.app_options import add_seed_option, add_theme_option
from tutor.cli.common import add_lessons_option, library_from
from tutor.core.errors import TutorError, UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the app to web browsers (each gets its own session)",
        description=(
            "Serve tutor to web browsers with textual-serve: every browser that opens "
            "the address gets its own session, with no saved progress. Binds to "
            f"{DEFAULT_HOST} (this machine only) unless --host says otherwise; pass "
            "--host 0.0.0.0 to let students on the local network connect. Terminals are "
            "held to 300x100, only pages served from this address (or --allow-origin) may "
            "open a session, and a browser beyond --max-sessions is told the class is "
            "full. Ctrl+C stops it and every session. Exit 1 if the port is taken or the "
            "address cannot be used."
        ),
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"the address to listen on (default: {DEFAULT_HOST}, this machine only)",
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"the port to listen on (default: {DEFAULT_PORT})",
    )
    add_lessons_option(parser)
    add_seed_option(parser)
    add_theme_option(parser)
    parser.add_argument(
        "--present", action="store_true", help="open every browser in presenter mode"
    )
    parser.add_argument(
        "--class",
        dest="classroom",
        metavar="NAME",
        default=None,
        help="class mode: every browser signs in with a join code and its work is kept in "
        "the class records ('tutor class --help'); without it, sessions save nothing",
    )
    parser.add_argument(
        "--max-sessions",
        metavar="N",
        type=session_count,
        default=None,
        help="at most N browsers at once; more are told the class is full "
        "(default: from this machine's free memory, 150 MB a session, at least 4)",
    )
    parser.add_argument(
        "--allow-origin",
        metavar="ORIGIN",
        action="append",
        default=[],
        help="also accept sessions from pages at ORIGIN, e.g. https://class.example.org "
        "when a reverse proxy serves tutor under that address (repeatable)",
    )
    parser.set_defaults(func=run)


def session_count(text: str) -> int:
    """An argparse type: a number of sessions from 1 to 1000."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 1000:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 1000, not {text!r}")
    return int(text)


def port_number(text: str) -> int:
    """An argparse type: a TCP port from 1 to 65535."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 65535, not {text!r}")
    return int(text)


def app_arguments(args: argparse.Namespace) -> list[str]:
    """The ``tutor`` command line each browser's session runs: the options passed on."""
    classroom = getattr(args, "classroom", None)
    words = ["--no-save"] if classroom is None else ["--class", classroom]
    if args.lessons is not None:
        words += ["--lessons", str(args.lessons.expanduser().resolve())]
    if args.seed is not None:
        words += ["--seed", str(args.seed)]
    if args.theme is not None:
        words += ["--theme", args.theme]
    if args.present:
        words.append("--present")
    return words


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.x, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Bind the address once, so a taken port is one clear line, not a traceback later.

    Raises:
        TutorError: the port is taken, or the address is not one of this machine's.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise TutorError(f"cannot listen on {host}: {error.strerror}") from None
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            # As the server will: a port left in TIME_WAIT by an earlier run is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                raise TutorError(_bind_problem(host, port, error)) from None


def _bind_problem(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is taken; pick another with --port"
    if error.errno == errno.EACCES:
        return f"port {port} needs administrator rights; pick one above 1023 with --port"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine; use 127.0.0.1 or 0.0.0.0"
    return f"cannot listen on {host} port {port}: {error.strerror or error}"


def serving_message(host: str, port: int) -> str:
    """What the teacher reads once the server is listening: where, and who can reach it."""
    if is_loopback(host):
        return (
            f"Serving tutor at http://{host}:{port} "
            "(loopback only: students on other machines need --host 0.0.0.0)"
        )
    if host in ("0.0.0.0", "::", ""):
        return (
            f"Serving tutor on every network address of this machine, port {port}: "
            f"students open http://{socket.gethostname()}:{port} (or this machine's IP "
            "address). Ctrl+C stops it."
        )
    return f"Serving tutor at http://{host}:{port} (reachable from the network). Ctrl+C stops it."


def run(args: argparse.Namespace) -> int:
    library = library_from(args)  # a wrong --lessons fails here, not in every browser
    if not library.lessons:
        raise UsageError(f"no lessons in {library.folder}: nothing to serve")
    from tutor.serve.limits import allowed_origins, available_memory_mb, default_max_sessions

    try:
        origins = allowed_origins(args.allow_origin)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if getattr(args, "classroom", None) is not None:
        from tutor.cli.classroom import class_book

        with class_book() as book:
            book.class_id(args.classroom)  # a wrong name fails here, not in every browser
    check_port_free(args.host, args.port)
    max_sessions = args.max_sessions or default_max_sessions(available_memory_mb())
    return _serve(args, origins, max_sessions)


def _serve(args: argparse.Namespace, origins: frozenset[str], max_sessions: int) -> int:
    import asyncio

    from tutor.serve.server import ServeConfig, serve
    from tutor.serve.sessions import StarterFailed

    config = ServeConfig(app_arguments(args), max_sessions, origins)

    def announce() -> None:
        print(serving_message(args.host, args.port), flush=True)
        print(f"At most {max_sessions} sessions at once (--max-sessions).", flush=True)

    try:
        asyncio.run(serve(config, args.host, args.port, announce))
    except StarterFailed as error:
        raise TutorError(f"cannot serve: {error}") from None
    except OSError as error:
        raise TutorError(_bind_problem(args.host, args.port, error)) from None
    print("tutor: server stopped", file=sys.stderr)
    return 0

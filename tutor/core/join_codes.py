"""Join codes: how they are made, stored, checked, and how many guesses they allow.

A join code is what a student types with their name to sign in to a class. It is
short enough to copy from a sheet of paper (six letters and digits, shown as
``K7P-Q4M``), drawn with ``secrets`` from an alphabet without look-alikes (no 0/O,
1/I/L), so 31⁶ ≈ 887 million codes. Only a salted scrypt hash is kept: whoever copies
the class database learns no code, which is also why a lost code cannot be shown
again, only re-issued.

Six characters would fall to a fast guesser, so guessing is made slow and short: a
wrong code waits a little longer each time, a session gets ``SESSION_TRIES`` wrong
codes in all, and a name gets ``NAME_TRIES`` wrong codes in a row (from any number
of browsers) before it is locked for ``NAME_LOCK_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

#: Letters and digits that cannot be mistaken for one another on paper or a projector.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
#: scrypt's cost: about 16 MB and a few tens of milliseconds a hash, so a stolen
#: database cannot be tried against all 887 million codes in an afternoon.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
#: How new hashes are made; each stored hash names its own, so this can change.
METHOD = f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}"

#: Wrong codes one browser session may type before it must be reloaded.
SESSION_TRIES = 5
#: Wrong codes in a row for one name (from anywhere) before the name is locked.
NAME_TRIES = 5
#: How long a name stays locked: long enough to stop a guessing loop, short enough
#: that a student who mistyped five times is back before the lesson ends.
NAME_LOCK_SECONDS = 600.0
#: The wait after the first wrong code, and the most any wait grows to.
FIRST_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 10.0


@dataclass(frozen=True)
class CodeHash:
    """A code's stored form: the method with its parameters, the salt, the digest."""

    method: str
    salt: bytes
    digest: bytes


def new_code() -> str:
    """A fresh random code, as it is printed (``K7P-Q4M``)."""
    letters = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{letters[:3]}-{letters[3:]}"


def normalise_code(text: str) -> str:
    """What a student typed, as the code it means: case, spaces and dashes ignored."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def hash_code(code: str, salt: bytes | None = None) -> CodeHash:
    """The salted scrypt hash of a code (normalised first, so ``k7p q4m`` matches)."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    return CodeHash(METHOD, salt, _derive(METHOD, normalise_code(code), salt))


def no_such_code() -> CodeHash:
    """A hash no code matches, checked for an unknown name at the same cost as a real one."""
    return CodeHash(METHOD, bytes(SALT_BYTES), bytes(64))


def code_matches(code: str, stored: CodeHash) -> bool:
    """Does ``code`` hash to ``stored``? Compared in constant time."""
    try:
        digest = _derive(stored.method, normalise_code(code), stored.salt)
    except ValueError:
        return False
    return hmac.compare_digest(digest, stored.digest)


def wrong_code_delay(wrong_so_far: int) -> float:
    """Seconds to wait after the ``wrong_so_far``-th wrong code of a session."""
    return min(FIRST_DELAY_SECONDS * max(1, wrong_so_far), MAX_DELAY_SECONDS)


def _derive(method: str, code: str, salt: bytes) -> bytes:
    """Run the method a hash names (its parameters travel with it, so they can change)."""
    name, *numbers = method.split(":")
    if name != "scrypt" or len(numbers) != 3 or not all(n.isdigit() for n in numbers):
        raise ValueError(f"unknown code hash method {method!r}")
    n, r, p = (int(number) for number in numbers)
    if n > 2**20 or r > 32 or p > 16:  # a damaged row must not ask for gigabytes
        raise ValueError(f"code hash parameters out of range in {method!r}")
    return hashlib.scrypt(
        code.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 1_048_576
    )

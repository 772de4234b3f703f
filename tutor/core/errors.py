"""The one exception family that tutor's core raises on purpose.

Every error a learner or an author can cause is a ``TutorError`` with a message
that already says what went wrong and where; the command line prints it as it is
and exits with ``exit_code``, and the app shows it in a panel. Anything else that
escapes is a bug in tutor.
"""

from __future__ import annotations


class TutorError(Exception):
    """An error whose message is fit to show a user as it is."""

    #: Exit status on the command line: 1 for "the input was understood but is
    #: wrong" (a failing lesson, a mismatched shape), 2 for "refused" (bad usage).
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(TutorError):
    """A command-line invocation that cannot be carried out as given."""

    exit_code = 2

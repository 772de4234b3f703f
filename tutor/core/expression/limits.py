"""The bounds every expression is checked against before anything is computed.

They are generous for the toy networks the lessons use (a (10,3) input, a few
hidden units) and small enough that a refused or oversized input answers in
milliseconds: no learner can stall the app, or fill its memory, by typing.
"""

from __future__ import annotations

#: Characters in one expression or one line of a block.
MAX_SOURCE_CHARS = 1_000
#: Characters and lines in a whole block (a ``compute`` block or a quiz ``setup``).
MAX_BLOCK_CHARS = 20_000
MAX_BLOCK_LINES = 300
#: Brackets open at once, counted on the text before Python's parser sees it.
MAX_NESTING = 20
#: Depth and size of the syntax tree.
MAX_DEPTH = 40
MAX_NODES = 400
#: Largest number a literal may be written as (in absolute value).
MAX_LITERAL = 1e15
#: Largest exponent that ``**`` and ``power`` accept (in absolute value).
MAX_EXPONENT = 10
#: Numbers in any one intermediate result.
MAX_ELEMENTS = 1_000_000
#: Axes an array may have (NumPy stops at 64; a lesson needs two).
MAX_DIMENSIONS = 8
#: Multiply-adds (and element operations) of one whole expression.
MAX_WORK = 20_000_000
#: Operations one expression may expand to, counting the bodies of user functions.
MAX_OPERATIONS = 2_000
#: User functions calling user functions, this deep at most.
MAX_CALL_DEPTH = 16
#: Parameters of a user function.
MAX_PARAMETERS = 8
#: Bytes of arrays one evaluation may make, every copy and temporary included
#: (20 arrays of the largest size; a lesson's expressions make a few kilobytes).
MAX_BYTES = 160_000_000
#: Seconds one evaluation may run; the work and byte caps keep it far below this.
MAX_SECONDS = 2.0
#: Names an environment (a lesson's, or a scratchpad's) may hold, and their bytes.
MAX_NAMES = 256
MAX_HELD_BYTES = 64_000_000

"""tutor: the matrix calculus of a small neural network, taught live in a terminal."""

__version__ = "0.1.0"

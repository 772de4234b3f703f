"""``tutor serve``'s server: one tutor process per browser, forked from a warm template.

``limits`` decides who may connect and how big a session may be, ``forkserver`` is
the process that imports tutor once and forks a session per browser, ``sessions``
drives it from the web server's event loop, and ``server`` speaks textual-serve's
protocol to the page, whose fonts and scripts all come from ``assets/``.
"""

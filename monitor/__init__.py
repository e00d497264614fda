"""The `monitor` command line."""


class UsageError(Exception):
    """Bad usage: `monitor` prints it on stderr as one line and exits 2.

    It lives here, not in ``monitor.cli``, because ``python -m monitor.cli`` runs that
    module as ``__main__``: a class defined there and imported from ``monitor.cli`` by
    ``monitor.queries`` would be a second, different class that ``main`` never catches.
    """

"""``python -m stream.cli``: the ``matchflow`` command."""

from stream.cli import main

main()

"""``python -m samverka`` is the ``samverka`` command."""

from samverka.cli import main

main()

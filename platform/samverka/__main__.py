"""``python -m samverka`` is the ``samverka`` command."""

from samverka.bootstrap import main

main()

"""``python -m servicekit.platform.cli``: the same as the ``servicekit`` command."""

from servicekit.platform.cli.main import main

main()

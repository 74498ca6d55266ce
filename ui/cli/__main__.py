"""`python -m ui.cli`: the same as the `hubqa` console script."""

from ui.cli import main

main()

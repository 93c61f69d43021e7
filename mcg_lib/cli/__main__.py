"""Allow ``python -m mcg_lib.cli``."""

from mcg_lib.cli import main

main()

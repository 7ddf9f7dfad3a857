"""`python -m stylesprint ...`: the same as the `stylesprint` console command."""

from stylesprint.cli import main

main()

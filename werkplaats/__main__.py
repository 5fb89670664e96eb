"""``python -m werkplaats`` runs the ``werkplaats`` command."""

from werkplaats.cli import main

main()

"""``python -m cwmpd`` runs the cwmpd command."""

from cwmpd.cli import main

raise SystemExit(main())

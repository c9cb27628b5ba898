"""One module per export format; see newsreview/exports/registry.py for what each defines."""

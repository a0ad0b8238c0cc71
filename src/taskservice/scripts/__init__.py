"""Command-line entry points (the console scripts declared in ``pyproject.toml``)."""

"""sitegen: static sites for research-paper archives."""

__version__ = "0.1.0"  # pyproject.toml reads it from here (reading the installed metadata costs every command 30 ms)

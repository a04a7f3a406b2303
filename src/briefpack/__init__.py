"""briefpack: pack a repository into one brief for a reasoning model."""

__version__ = "0.1.0"

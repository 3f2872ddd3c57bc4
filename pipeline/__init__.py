"""Pipeline: an open collaboration registry for UK councils."""

__version__ = "0.1.0"

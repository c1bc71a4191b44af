"""ECS Lab: a terminal training lab for Amazon ECS, with an embedded cluster simulator."""

__all__ = ["__version__"]

__version__ = "0.1.0"

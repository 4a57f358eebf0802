"""insurance_optimise.frontier's name: ``from rateopt.frontier import EfficientFrontier``."""

from .compat import EfficientFrontier

__all__ = ["EfficientFrontier"]

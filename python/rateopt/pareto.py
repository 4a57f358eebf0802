"""insurance_optimise.pareto's names: ``from rateopt.pareto import ParetoFrontier, premium_disparity_ratio``."""

from .compat import ParetoFrontier, ParetoResult, loss_ratio_disparity, premium_disparity_ratio

__all__ = ["ParetoFrontier", "ParetoResult", "premium_disparity_ratio", "loss_ratio_disparity"]

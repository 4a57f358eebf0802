"""rateopt: certified insurance price optimisation over whole books (millions of policies, CPU or GPU).

Native API::

    import rateopt
    result = rateopt.optimise(df, lr_max=0.68, retention_min=0.78, max_rate_change=0.25, enbp_buffer=0.01)
    result.multipliers, result.expected_profit, result.optimality_gap, result.summary_df

Drop-in for insurance-optimise 0.7.0: ``from rateopt import PortfolioOptimiser, ConstraintConfig`` (and
EfficientFrontier, ParetoFrontier, …) with the same arguments and result attributes.

Price grids (one scored candidate price per quote): ``rateopt.optimise_grid(long_df, lr_max=0.7)``.

Deploying a solve: ``result.pricing_rule().save(path)``, later ``rateopt.PricingRule.load(path).price(df)``.
"""

from . import _core, compat
from .api import (
    FrontierResult,
    ParetoSurface,
    ScenariosResult,
    efficient_frontier,
    optimise,
    pareto_surface,
    run_scenarios,
)
from .book import Book, generate_book, read_book
from .compat import (
    ConstraintConfig,
    EfficientFrontier,
    EfficientFrontierResult,
    FrontierPoint,
    OptimisationResult,
    ParetoFrontier,
    ParetoResult,
    PortfolioOptimiser,
    ScenarioResult,
    loss_ratio_disparity,
    premium_disparity_ratio,
)
from .errors import DeviceError, Error, InputError, SolverError
from .grid import GridPriced, GridPricingRule, GridResult, optimise_grid
from .pricing import PricedBatch, PricingRule
from .result import Result

__version__: str = _core.__version__
#: whether this build has the CUDA backend (device="auto" still falls back to the CPU without a GPU)
cuda_compiled: bool = _core.cuda_compiled

__all__ = [
    "optimise",
    "optimise_grid",
    "GridPricingRule",
    "GridPriced",
    "GridResult",
    "efficient_frontier",
    "pareto_surface",
    "run_scenarios",
    "read_book",
    "generate_book",
    "Book",
    "Result",
    "FrontierResult",
    "ParetoSurface",
    "ScenariosResult",
    "PricingRule",
    "PricedBatch",
    "Error",
    "InputError",
    "DeviceError",
    "SolverError",
    "cuda_compiled",
    *compat.__all__,
]

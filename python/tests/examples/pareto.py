# insurance-optimise 0.7.0 README, "Pareto surface", with only the import lines changed; the two plot
# calls (matplotlib) are left out.
import numpy as np
from functools import partial
from rateopt import PortfolioOptimiser, ConstraintConfig
from rateopt.pareto import ParetoFrontier, premium_disparity_ratio

rng = np.random.default_rng(42)
n = 1_000

technical_price    = rng.uniform(300, 1200, n)
expected_loss_cost = technical_price * rng.uniform(0.55, 0.75, n)
p_renewal          = rng.uniform(0.70, 0.95, n)
price_elasticity   = rng.uniform(-2.5, -0.8, n)
is_renewal         = rng.choice([True, False], n, p=[0.7, 0.3])
enbp               = technical_price * rng.uniform(1.05, 1.25, n)
# Deprivation quintile (1=least deprived, 5=most deprived)
deprivation        = rng.integers(1, 6, n)

opt = PortfolioOptimiser(
    technical_price=technical_price,
    expected_loss_cost=expected_loss_cost,
    p_demand=p_renewal,
    elasticity=price_elasticity,
    renewal_flag=is_renewal,
    enbp=enbp,
    constraints=ConstraintConfig(lr_max=0.72, retention_min=0.82),
)

# fairness_metric: callable(multipliers) -> float. Lower = more fair.
fairness_fn = partial(
    premium_disparity_ratio,
    technical_price=technical_price,
    group_labels=deprivation,
)

pareto = ParetoFrontier(
    optimiser=opt,
    fairness_metric=fairness_fn,
    sweep_x="volume_retention",
    sweep_x_range=(0.82, 0.96),
    sweep_y="fairness_max",
    sweep_y_range=(1.05, 2.00),
    n_points_x=10,
    n_points_y=10,    # 100 SLSQP solves total
)

result = pareto.run()
print(result.summary())

# Select a single point using TOPSIS with explicit weights
result.select(method="topsis", weights=(0.5, 0.3, 0.2))
print(result.selected.audit_trail)

# Save regulatory audit trail
result.save_audit("pareto_run_2025_q1_audit.json")

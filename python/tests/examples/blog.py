# The configuration insurance-optimise's documentation uses, on a generated book (the README's
# distributions, 400 policies): LR cap, GWP floor, retention floor, rate-change cap, ENBP buffer and the
# technical floor together.  Only the import line differs from the insurance-optimise script.
import numpy as np
from rateopt import PortfolioOptimiser, ConstraintConfig

rng = np.random.default_rng(2024)
n = 400
technical_price    = rng.uniform(300, 1200, n)
expected_loss_cost = technical_price * rng.uniform(0.55, 0.75, n)
p_renewal          = rng.uniform(0.70, 0.95, n)
price_elasticity   = rng.uniform(-2.5, -0.8, n)
is_renewal         = rng.choice([True, False], n, p=[0.7, 0.3])
enbp               = technical_price * rng.uniform(1.05, 1.25, n)

config = ConstraintConfig(
    lr_max=0.70,
    gwp_min=0.99 * float(technical_price @ p_renewal),  # hold GWP within 1% of today's
    retention_min=0.82,
    max_rate_change=0.25,
    enbp_buffer=0.01,
    technical_floor=True,
)
opt = PortfolioOptimiser(
    technical_price=technical_price,
    expected_loss_cost=expected_loss_cost,
    p_demand=p_renewal,
    elasticity=price_elasticity,
    renewal_flag=is_renewal,
    enbp=enbp,
    constraints=config,
)
result = opt.optimise()
print(result)
print(result.shadow_prices)

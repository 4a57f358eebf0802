"""Run the insurance-optimise examples of python/tests/examples/ under insurance-optimise itself (the import
lines turned back) and write its answers to python/tests/examples/insurance_optimise_answers.json, which
the pytest suite compares rateopt's answers with.  Run it in the peer's virtual environment:

    python3 -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install -r tools/peer/requirements.txt
    /tmp/peer-venv/bin/python tools/peer/python_examples.py          # about 15 minutes on 2 cores

The Pareto example (1,000 policies, 100 SLSQP solves with a finite-difference fairness Jacobian) is not
run: insurance-optimise needs hours for it.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile
import time
import warnings

import insurance_optimise

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "python" / "tests" / "examples"


def as_insurance_optimise(text: str) -> str:
    return text.replace("from rateopt.pareto import", "from insurance_optimise.pareto import").replace(
        "from rateopt import", "from insurance_optimise import"
    )


def figures(r) -> dict:
    return {
        "profit": r.expected_profit,
        "gwp": r.expected_gwp,
        "loss_ratio": r.expected_loss_ratio,
        "retention": r.expected_retention,
        "converged": bool(r.converged),
        "message": r.solver_message,
    }


def run(name: str) -> dict:
    namespace: dict = {"__name__": "__main__"}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cwd = os.getcwd()
        os.chdir(d)
        try:
            exec(compile(as_insurance_optimise((EXAMPLES / f"{name}.py").read_text()), name, "exec"), namespace)
        finally:
            os.chdir(cwd)
    seconds = time.perf_counter() - start
    if name == "frontier":
        points = [dict(figures(p.result), epsilon=float(p.epsilon)) for p in namespace["result"].points]
        return {"points": points, "seconds": seconds}
    if name == "scenarios":
        s = namespace["result_scenarios"]
        return {"scenarios": {n: figures(r) for n, r in zip(s.scenario_names, s.results)}, "seconds": seconds}
    return dict(figures(namespace["result"]), seconds=seconds)


def main() -> None:
    answers = {"insurance_optimise": insurance_optimise.__version__}
    for name in ("quickstart", "blog", "scenarios", "frontier"):
        answers[name] = run(name)
        print(name, "done", flush=True)
    path = EXAMPLES / "insurance_optimise_answers.json"
    path.write_text(json.dumps(answers, indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()

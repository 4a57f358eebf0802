"""Anneal one QUBO CSV (i,j,weight) with qubovert and score states against the cluster instance.

  python qubo_peer_bench.py anneal QUBO.csv ANNEALS SWEEPS SEED  -> JSON {seconds, best_energy, best_state}
  python qubo_peer_bench.py score CLUSTERS.csv PREMIUMS.csv TARGET STATE  -> JSON {one_hot, revenue, termination_rate}

Energies are of the CSV terms only (no constant).  Scoring recomputes revenue and the termination rate
from the instance files, independently of both tools: variables are cluster-major, options by rate.
"""
import csv
import json
import sys
import time


def anneal(path, anneals, sweeps, seed):
    from qubovert.sim import anneal_qubo

    Q = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            i, j, w = int(row["i"]), int(row["j"]), float(row["weight"])
            key = (i,) if i == j else (min(i, j), max(i, j))
            Q[key] = Q.get(key, 0.0) + w
    start = time.perf_counter()
    res = anneal_qubo(Q, num_anneals=anneals, anneal_duration=sweeps, seed=seed)
    seconds = time.perf_counter() - start
    n = 1 + max(max(k) for k in Q)
    state = "".join(str(res.best.state.get(k, 0)) for k in range(n))
    energy = sum(w for k, w in Q.items() if all(state[v] == "1" for v in k))
    print(json.dumps({"seconds": seconds, "best_energy": energy, "best_state": state}))


def score(clusters_path, premiums_path, target, state):
    clusters = {}
    order = []
    with open(clusters_path) as f:
        for row in csv.DictReader(f):
            clusters[row["cluster_id"]] = (int(row["policies"]), float(row["avg_claim"]), [])
            order.append(row["cluster_id"])
    with open(premiums_path) as f:
        for row in csv.DictReader(f):
            clusters[row["cluster_id"]][2].append((float(row["termination_rate"]), float(row["premium"])))
    k = 0
    revenue = terminated = total = 0.0
    one_hot = True
    for cid in order:
        policies, claim, options = clusters[cid]
        options.sort()
        chosen = [j for j in range(len(options)) if state[k + j] == "1"]
        k += len(options)
        total += policies
        if len(chosen) != 1:
            one_hot = False
            continue
        rate, premium = options[chosen[0]]
        revenue += (1 - rate / 100) * policies * (premium - claim)
        terminated += policies * rate
    rate = terminated / total
    print(json.dumps({"one_hot": one_hot, "revenue": revenue, "termination_rate": rate,
                      "valid": one_hot and rate <= float(target) + 1e-12}))


if __name__ == "__main__":
    if sys.argv[1] == "anneal":
        anneal(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        score(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])

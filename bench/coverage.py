"""Coverage study of the 95 % intervals of SIPAS indices under stratified two-stage sampling.

A finite population of 8 provinces (strata) x 60 communes x 240 residents
answers 6 satisfaction items (two groups) with commune-level clustering,
blanks and "not experienced" codes; some items sit near 90 % satisfied.
Each replicate draws 10 communes per province (SRSWOR) and 20 residents per
sampled commune (SRSWOR), computes the indices with a two-stage design
(fpc at both stages, weights from the fpcs) and records whether each
interval covers the population value.

Run ``python bench/coverage.py [n_samples]``; the slow test
``tests/analysis/test_coverage.py`` runs it with 1,000 samples.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import DesignSpec
from analysis.indices import IndexSpec, compute_indices

N_STRATA, N_PSU, N_PERSON = 8, 60, 240
SAMPLE_PSU, SAMPLE_PERSON = 10, 20
ITEMS = ["a1", "a2", "a3", "b1", "b2", "b3"]
# item-level shifts on the latent scale: b-items are very satisfied (around 90 %)
SHIFTS = [1.0, 1.4, 0.7, 2.6, 2.9, 2.3]
SPEC = IndexSpec.simple({"A": ITEMS[:3], "B": ITEMS[3:]})


def make_population(seed: int = 2025) -> dict[str, np.ndarray]:
    """Simulated population with clustered satisfaction (commune random effects)."""
    rng = np.random.default_rng(seed)
    n_psu_total = N_STRATA * N_PSU
    stratum = np.repeat(np.arange(N_STRATA), N_PSU * N_PERSON)
    psu = np.repeat(np.arange(n_psu_total), N_PERSON)
    n = len(psu)
    province_effect = rng.normal(0, 0.3, N_STRATA)
    commune_effect = rng.normal(0, 0.55, n_psu_total)
    person_effect = rng.normal(0, 0.8, n)
    pop = {"province": stratum, "commune": psu, "person": np.arange(n)}
    base = province_effect[stratum] + commune_effect[psu] + person_effect
    for item, shift in zip(ITEMS, SHIFTS):
        latent = 0.9 + shift + base + rng.logistic(0, 0.7, n)
        codes = np.clip(np.floor(latent + 3.0), 1, 5)
        u = rng.random(n)
        codes = np.where(u < 0.05, np.nan, np.where(u < 0.10, 9.0, codes))
        pop[item] = codes
    return pop


def true_indices(pop: dict[str, np.ndarray]) -> dict[str, float]:
    """Population item and group indices (unweighted census values)."""
    out = {}
    for item in ITEMS:
        v = pop[item]
        valid = np.isin(v, [1, 2, 3, 4, 5])
        out[item] = 100.0 * np.isin(v, [4, 5]).sum() / valid.sum()
    out["A"] = float(np.mean([out[i] for i in ITEMS[:3]]))
    out["B"] = float(np.mean([out[i] for i in ITEMS[3:]]))
    out["overall"] = (out["A"] + out["B"]) / 2
    return out


def draw_sample(pop: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Stratified two-stage sample: SRSWOR communes, then SRSWOR residents."""
    keys = rng.random((N_STRATA, N_PSU))
    chosen = np.argsort(keys, axis=1)[:, :SAMPLE_PSU] + (np.arange(N_STRATA) * N_PSU)[:, None]
    chosen = chosen.reshape(-1)
    person_keys = rng.random((len(chosen), N_PERSON))
    within = np.argsort(person_keys, axis=1)[:, :SAMPLE_PERSON]
    rows = (chosen[:, None] * N_PERSON + within).reshape(-1)
    sample = {k: v[rows] for k, v in pop.items()}
    sample["fpc1"] = np.full(len(rows), float(N_PSU))
    sample["fpc2"] = np.full(len(rows), float(N_PERSON))
    return sample


DESIGN = DesignSpec(strata="province", psu="commune", ssu="person", fpc="fpc1", fpc2="fpc2")


def run(n_samples: int = 1000, seed: int = 7) -> dict[str, dict[str, float]]:
    """Coverage, mean estimate and mean half-width per index over ``n_samples`` samples."""
    pop = make_population()
    truth = true_indices(pop)
    rng = np.random.default_rng(seed)
    hits = {k: 0 for k in truth}
    width = {k: 0.0 for k in truth}
    est_sum = {k: 0.0 for k in truth}
    methods: dict[str, int] = {}
    for _ in range(n_samples):
        sample = draw_sample(pop, rng)
        res = compute_indices(sample, SPEC, DESIGN, deff=False)
        for rec in res.records:
            t = truth[rec.index]
            hits[rec.index] += rec.ci_low <= t <= rec.ci_high
            width[rec.index] += (rec.ci_high - rec.ci_low) / 2
            est_sum[rec.index] += rec.estimate
            methods[rec.ci_method] = methods.get(rec.ci_method, 0) + 1
    return {
        k: {
            "true": truth[k],
            "mean_estimate": est_sum[k] / n_samples,
            "coverage": 100.0 * hits[k] / n_samples,
            "half_width": width[k] / n_samples,
        }
        for k in truth
    }


def table(results: dict[str, dict[str, float]], n_samples: int) -> str:
    """Printable coverage table."""
    lines = [
        (f"Coverage of 95% logit intervals, {n_samples} stratified two-stage samples "
        f"({N_STRATA}x{SAMPLE_PSU} communes x {SAMPLE_PERSON} residents)"),
        f"{'index':<8} {'true':>7} {'mean est':>9} {'coverage %':>11} {'half-width':>11}",
    ]
    for k, r in results.items():
        lines.append(
            f"{k:<8} {r['true']:>7.2f} {r['mean_estimate']:>9.2f} {r['coverage']:>11.1f} "
            f"{r['half_width']:>11.2f}"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line of this benchmark (a test builds it without running anything)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", type=int, nargs="?", default=1000, help="how many samples to draw")
    return parser


if __name__ == "__main__":
    n = build_parser().parse_args().samples
    t0 = time.perf_counter()
    res = run(n)
    print(table(res, n))
    print(f"({time.perf_counter() - t0:.1f} s)")

"""Benchmark: indicator 5.4 (and 5.2/5.3, the group, Circular 01) for a month of 1,000,000 dossiers.

3,000 units; every dossier received in November 2026 (the month scored), due
3-15 days later, 85 % handled (some late), 2 % with a PAKN, 3 % disliked;
200,000 PAKN and 300,000 Circular 01 ratings. Times the computations of
:mod:`analysis.decision766` on arrays (what ``sipas dossiers score`` does after
loading them), best of ``--repeat`` runs. Target: 5.4 for the month under 2 s.
Run from the project folder: ``OMP_NUM_THREADS=1 python -m bench.decision766`` (as a script,
``bench/analysis.py`` would shadow the ``analysis`` package).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from analysis.decision766 import (
    Period,
    circular01_report,
    group_score,
    load_definition,
    score_complaints,
    score_dossiers,
)

DEFINITION = Path(__file__).resolve().parents[1] / "survey/data/decision766/766-2022.json"


def synthetic_month(n: int, n_units: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    start = np.datetime64("2026-11-01T00:00", "s")
    received = start + rng.integers(0, 30 * 86400, n).astype("timedelta64[s]")
    due = received + rng.integers(3 * 86400, 15 * 86400, n).astype("timedelta64[s]")
    handled = received + (rng.integers(0, 16 * 86400, n)).astype("timedelta64[s]")
    handled[rng.random(n) < 0.15] = np.datetime64("NaT")
    return {"unit": rng.integers(0, n_units, n), "received": received, "due": due, "handled": handled,
                "complained": rng.random(n) < 0.02, "disliked": rng.random(n) < 0.03}


def best_of(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(766)
    definition = load_definition(DEFINITION)
    period = Period.month(2026, 11)
    dossiers = synthetic_month(args.dossiers, args.units, rng)
    n_pakn, n_ratings = args.dossiers // 5, args.dossiers * 3 // 10
    pakn_received = np.datetime64("2026-10-25T00:00", "s") + rng.integers(0, 45 * 86400, n_pakn).astype(
        "timedelta64[s]")
    complaints = {"unit": rng.integers(0, args.units, n_pakn), "received": pakn_received,
                      "handled": pakn_received + rng.integers(0, 30 * 86400, n_pakn).astype("timedelta64[s]"),
                      "likes": rng.integers(0, 4, n_pakn), "dislikes": rng.integers(0, 3, n_pakn),
                      "follow_up": rng.random(n_pakn) < 0.05}
    scores = rng.integers(0, 3, (n_ratings, definition.n_indices)).astype(float)
    scores[rng.random(scores.shape) < 0.05] = np.nan
    common = {"n_units": args.units, "period": period, "definition": definition}

    t54, result = best_of(args.repeat, lambda: score_dossiers(**dossiers, **common))
    t523, (on_time, satisfied) = best_of(args.repeat, lambda: score_complaints(**complaints, **common))
    tgroup, group = best_of(args.repeat, lambda: group_score("MDHL", [on_time, satisfied, result], definition))
    rating_unit, level = rng.integers(0, args.units, n_ratings), rng.integers(-1, 3, n_ratings)
    tc01, report = best_of(args.repeat, lambda: circular01_report(
        rating_unit, scores, level, n_units=args.units, definition=definition))
    print(f"{args.dossiers:,} dossiers, {args.units:,} units, {period.label} (best of {args.repeat}):")
    print(f"  5.4 per unit:              {t54:.3f} s  ({result.denominator.sum():,} received in the month, "
          f"mean {np.nanmean(result.points):.2f} points)")
    print(f"  5.2 + 5.3 ({n_pakn:,} PAKN):  {t523:.3f} s")
    print(f"  satisfaction group:        {tgroup:.3f} s  (mean {np.nanmean(group.points):.2f} of 18)")
    print(f"  Circular 01 ({n_ratings:,} ratings): {tc01:.3f} s  (mean total {np.nanmean(report.total_mean):.2f})")
    print(f"  target for 5.4: < 2 s: {'met' if t54 < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()

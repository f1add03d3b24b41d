"""Benchmark: all SIPAS indices with CIs on a synthetic national data set.

1,000,000 responses, 34 provinces (strata), 2,000 communes (PSUs), 40 items
in 9 groups.  Times (one core):

1. item, group and overall indices nationally and for the 34 provinces;
2. the same for all 2,000 communes;

and the peak memory.  With ``--r`` it also times R ``survey`` (svyby of
svyratio per item, provinces) on a subset of the items and extrapolates, and
with the Python ``svy`` package installed it tries that too.  Run:
``OMP_NUM_THREADS=1 python bench/analysis_engine.py [--r]`` (or ``python -m bench.analysis_engine``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import DesignSpec
from analysis.indices import IndexSpec, compute_indices

N, N_STRATA, N_PSU, N_ITEMS, N_GROUPS = 1_000_000, 34, 2_000, 40, 9


def make_data(seed: int = 1) -> dict[str, np.ndarray]:
    """Synthetic national sample; item codes are float32 with NaN blanks and 9s."""
    rng = np.random.default_rng(seed)
    psu_stratum = np.sort(rng.integers(0, N_STRATA, N_PSU))
    psu_stratum[:N_STRATA] = np.arange(N_STRATA)  # every province has communes
    psu_stratum.sort()
    psu = np.sort(rng.integers(0, N_PSU, N))
    data: dict[str, np.ndarray] = {
        "province": psu_stratum[psu].astype(np.int32),
        "commune": psu.astype(np.int32),
        "weight": rng.uniform(50, 150, N),
    }
    effect = rng.normal(0, 0.5, N_PSU)[psu] + rng.normal(0, 0.8, N)
    for j in range(N_ITEMS):
        latent = 1.0 + effect + rng.normal(0, 0.9, N).astype(np.float32)
        codes = np.clip(np.floor(latent + 3.0), 1, 5).astype(np.float32)
        u = rng.random(N, dtype=np.float32)
        codes[u < 0.04] = np.nan
        codes[(u >= 0.04) & (u < 0.08)] = 9
        data[f"q{j + 1}"] = codes
    return data


def make_spec() -> IndexSpec:
    items = [f"q{j + 1}" for j in range(N_ITEMS)]
    bounds = np.linspace(0, N_ITEMS, N_GROUPS + 1).astype(int)
    return IndexSpec.simple(
        {f"G{g + 1}": items[bounds[g] : bounds[g + 1]] for g in range(N_GROUPS)}
    )


DESIGN = DesignSpec(weight="weight", strata="province", psu="commune")


def time_job(data, spec, by, repeat=3):
    best = float("inf")
    res = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = compute_indices(data, spec, DESIGN, by=by)
        best = min(best, time.perf_counter() - t0)
    return best, res


def time_r(data, n_items: int) -> float | None:
    """R survey: svyby(svyratio) per item for provinces, on ``n_items`` items."""
    if not shutil.which("Rscript"):
        return None
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        cols = ["province", "commune", "weight"] + [f"q{j + 1}" for j in range(n_items)]
        pd.DataFrame({c: data[c] for c in cols}).to_csv(f"{tmp}/d.csv", index=False)
        script = f"""
suppressMessages(library(survey))
d <- read.csv("{tmp}/d.csv")
des <- svydesign(ids=~commune, strata=~province, weights=~weight, data=d)
t0 <- Sys.time()
for (j in 1:{n_items}) {{
  q <- d[[paste0("q", j)]]
  des <- update(des, s = as.numeric(!is.na(q) & q %in% 4:5), v = as.numeric(!is.na(q) & q %in% 1:5))
  a <- svyratio(~s, ~v, des)
  b <- svyby(~s, ~province, des, svyratio, denominator=~v)
}}
cat(as.numeric(difftime(Sys.time(), t0, units="secs")), "\\n")
"""
        Path(f"{tmp}/b.R").write_text(script)
        out = subprocess.run(["Rscript", f"{tmp}/b.R"], capture_output=True, text=True, check=False)
        try:
            return float(out.stdout.split()[-1])
        except (IndexError, ValueError):
            return None


def build_parser() -> argparse.ArgumentParser:
    """The command line of this benchmark (a test builds it without running anything)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--r", action="store_true", help="also time R survey (slow)")
    parser.add_argument("--r-items", type=int, default=2)
    return parser


def main() -> None:
    args = build_parser().parse_args()
    t0 = time.perf_counter()
    data = make_data()
    spec = make_spec()
    print(
        f"data: {N:,} rows, {N_STRATA} strata, {N_PSU} PSUs, {N_ITEMS} items in {N_GROUPS} "
        f"groups (generated in {time.perf_counter() - t0:.1f} s)"
    )
    t_prov, res_prov = time_job(data, spec, "province")
    print(f"national + 34 provinces: {t_prov:.2f} s ({len(res_prov.records)} records)")
    t_comm, res_comm = time_job(data, spec, "commune", repeat=2)
    print(f"national + 2,000 communes: {t_comm:.2f} s ({len(res_comm.records)} records)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (whole process, incl. the data set): {peak:.0f} MB")
    overall = res_prov.get("overall")
    print(
        f"national overall index {overall.estimate:.2f} (se {overall.se:.3f}, "
        f"CI {overall.ci_low:.2f}-{overall.ci_high:.2f}, df {overall.df:.0f})"
    )
    try:
        import svy  # noqa: F401

        print("python 'svy' package installed: timing not implemented for its API version")
    except ImportError:
        print("python 'svy' package: not installed, skipped")
    if args.r:
        t_r = time_r(data, args.r_items)
        if t_r is None:
            print("R survey: not available")
        else:
            per_item = t_r / args.r_items
            full = per_item * N_ITEMS
            print(
                f"R survey svyby(svyratio), provinces, {args.r_items} items: {t_r:.1f} s "
                f"-> {full:.0f} s for {N_ITEMS} items (items only, no groups): "
                f"{full / t_prov:.0f}x slower"
            )


if __name__ == "__main__":
    main()

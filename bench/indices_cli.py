"""Benchmark: the whole ``sipas indices`` command against R ``survey`` and Python ``svy``, same run, same file.

The job of issue 13: 200,000 responses, 34 strata (provinces), 600 PSUs
(communes), 16 items, item indices nationally and by province with design-based
standard errors. Each tool is timed as a whole process, start-up and CSV read
included (wall clock, best of ``--repeat``):

* ``sipas indices FILE.csv --items ... --weight --strata --psu --by province``
  (this also computes the group and overall indices, and the design effects);
* ``Rscript``: ``read.csv``, ``svydesign``, then per item ``svyratio`` and
  ``svyby(svyratio)`` by province (item indices only);
* ``svy`` (if installed in the interpreter given by ``--svy-python``): read
  the CSV with polars, then per item the ratio by province.

Run: ``OMP_NUM_THREADS=1 python bench/indices_cli.py [--repeat 3] [--svy-python PATH] [--baseline DIR]``.
A tool that is missing or fails is reported as such, never left out silently.
The project's modules are byte-compiled first (as an installed package is), so
no run pays for compiling them; ``--baseline DIR`` also times the same sipas
command from another source tree (e.g. ``git archive main`` unpacked), for a
before/after comparison in the same minutes.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N, N_STRATA, N_PSU, N_ITEMS = 200_000, 34, 600, 16
ROOT = Path(__file__).resolve().parents[1]
ITEMS = [f"q{j + 1}" for j in range(N_ITEMS)]


def write_data(path: Path, seed: int = 13) -> None:
    """Synthetic national sample as CSV: province, commune, weight, q1..q16 (1-5, 9 = not experienced, blank)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    # 8 to 26 communes per province, 600 in all: every stratum has at least two PSUs
    per_stratum = 8 + rng.multinomial(N_PSU - 8 * N_STRATA, np.full(N_STRATA, 1 / N_STRATA))
    psu_stratum = np.repeat(np.arange(N_STRATA), per_stratum)
    psu = np.sort(rng.integers(0, N_PSU, N))
    effect = rng.normal(0, 0.5, N_PSU)[psu] + rng.normal(0, 0.8, N)
    frame = pd.DataFrame(
        {"province": psu_stratum[psu] + 1, "commune": psu + 1, "weight": rng.uniform(50, 150, N).round(3)}
    )
    for item in ITEMS:
        codes = np.clip(np.floor(1.0 + effect + rng.normal(0, 0.9, N) + 3.0), 1, 5)
        u = rng.random(N)
        codes[u < 0.04] = np.nan
        codes[(u >= 0.04) & (u < 0.08)] = 9
        frame[item] = pd.array(codes, dtype="Int64")
    frame.to_csv(path, index=False)


R_SCRIPT = """
suppressMessages(library(survey))
d <- read.csv("{data}")
des <- svydesign(ids=~commune, strata=~province, weights=~weight, data=d, nest=TRUE)
for (j in 1:{items}) {{
  q <- d[[paste0("q", j)]]
  des <- update(des, s = as.numeric(!is.na(q) & q %in% 4:5), v = as.numeric(!is.na(q) & q %in% 1:5))
  a <- svyratio(~s, ~v, des)
  b <- svyby(~s, ~province, des, svyratio, denominator=~v)
}}
cat(coef(a), SE(a), "\\n")
"""

SVY_SCRIPT = """
import polars as pl
import svy
d = pl.read_csv("{data}", infer_schema_length=10000)
cols = []
for j in range(1, {items} + 1):
    q = pl.col(f"q{{j}}")
    cols += [((q >= 4) & (q <= 5)).fill_null(False).cast(pl.Float64).alias(f"s{{j}}"),
             ((q >= 1) & (q <= 5)).fill_null(False).cast(pl.Float64).alias(f"v{{j}}")]
d = d.with_columns(cols)
sample = svy.Sample(data=d, design=svy.Design(stratum="province", psu="commune", wgt="weight"))
for j in range(1, {items} + 1):
    a = sample.estimation.ratio(y=f"s{{j}}", x=f"v{{j}}")
    b = sample.estimation.ratio(y=f"s{{j}}", x=f"v{{j}}", by="province")
print(a)
"""


def sipas_command(data: Path) -> list[str]:
    items = "ALL=" + ",".join(ITEMS)
    return [sys.executable, "-m", "survey.cli", "indices", str(data), "--items", items, "--weight", "weight",
            "--strata", "province", "--psu", "commune", "--by", "province", "--satisfied", "4,5",
            "--valid", "1-5", "--format", "csv", "--out", str(data.with_suffix(".out.csv"))]


CPU_TIMES: dict[str, float] = {}  # command -> best CPU time (user + system) of its process


# what `sipas indices` imports on a plain CSV (the same set of modules, checked against sys.modules
# of a run): a process that only imports them is the floor of the whole command in this stack
FLOOR_IMPORTS = ("import survey.cli, survey.cli.analysis, survey.cli.csv_columns, analysis.design, "
                 "analysis.indices.compute, survey.domain.handover")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(command: list[str], repeat: int, cwd: Path = ROOT, key: str | None = None) -> tuple[float | None, str]:
    """Best wall time of a whole process, or None and the reason it failed (best CPU time in CPU_TIMES[key])."""
    key = key or command[0]
    best = None
    for _ in range(repeat):
        t0, cpu0 = time.perf_counter(), _children_cpu()
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
        elapsed, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
        if done.returncode != 0:
            return None, (done.stderr or done.stdout).strip().splitlines()[-1:][0] if (done.stderr or done.stdout) else "failed"
        best = elapsed if best is None else min(best, elapsed)
        CPU_TIMES[key] = min(CPU_TIMES.get(key, cpu), cpu)
    return best, ""


def build_parser() -> argparse.ArgumentParser:
    """The command line of this benchmark (a test builds it without running anything)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--r-repeat", type=int, default=1)
    parser.add_argument("--svy-python", default=sys.executable, help="interpreter with svy installed")
    parser.add_argument("--baseline", type=Path, help="another source tree of sipas to time on the same file")
    return parser


def main() -> None:
    args = build_parser().parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for tree in (ROOT, args.baseline):
        if tree is not None:
            subprocess.run([sys.executable, "-m", "compileall", "-q", "survey", "analysis"], cwd=tree,
                           check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "responses.csv"
        write_data(data)
        size = data.stat().st_size / 1e6
        print(f"data: {N:,} responses, {N_STRATA} strata, {N_PSU} PSUs, {N_ITEMS} items, {size:.1f} MB CSV")
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        results: dict[str, float | None] = {}
        t, why = time_command(sipas_command(data), args.repeat)
        results["sipas indices"] = t
        print(f"sipas indices (whole command): {t:.2f} s, CPU {CPU_TIMES[sys.executable]:.2f} s"
              if t else f"sipas indices: FAILED {why}")
        floor, why = time_command([sys.executable, "-c", FLOOR_IMPORTS], args.repeat, key="floor")
        results["floor"] = floor
        print(f"start-up floor (the same modules imported, no work done): {floor:.3f} s, CPU {CPU_TIMES['floor']:.3f} s" if floor
              else f"start-up floor: FAILED {why}")
        if args.baseline is not None:
            env_path = {**os.environ, "PYTHONPATH": str(args.baseline.resolve())}
            t0 = time.perf_counter()
            base, why = None, ""
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                done = subprocess.run(sipas_command(data), capture_output=True, check=False,
                                      cwd=args.baseline, env=env_path)
                why = "" if done.returncode == 0 else done.stderr.decode(errors="replace")[-200:]
                base = None if why else min(base or 1e9, time.perf_counter() - t0)
            print(f"sipas indices, baseline {args.baseline}: {base:.2f} s" if base else f"baseline: FAILED {why}")
        if shutil.which("Rscript"):
            script = Path(tmp) / "bench.R"
            script.write_text(R_SCRIPT.format(data=data, items=N_ITEMS))
            t, why = time_command(["Rscript", str(script)], args.r_repeat)
            results["R survey"] = t
            print(f"R survey (whole Rscript): {t:.2f} s, CPU {CPU_TIMES['Rscript']:.2f} s" if t else f"R survey: FAILED {why}")
        else:
            print("R survey: Rscript not found, skipped")
        script = Path(tmp) / "bench_svy.py"
        script.write_text(SVY_SCRIPT.format(data=data, items=N_ITEMS))
        t, why = time_command([args.svy_python, str(script)], args.repeat)
        results["svy"] = t
        print(f"svy (whole script): {t:.2f} s, CPU {CPU_TIMES[args.svy_python]:.2f} s" if t else f"svy: FAILED {why}")
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
        ours = results["sipas indices"]
        for anchor, target in (("R survey", 100), ("svy", 5)):
            theirs = results.get(anchor)
            if ours and theirs:
                ratio = theirs / ours
                verdict = "met" if ratio >= target else "missed"
                print(f"{anchor} / sipas: {ratio:.1f}x (target {target}x: {verdict})")
        if results.get("floor") and results.get("R survey"):
            print(f"R survey / start-up floor: {results['R survey'] / results['floor']:.1f}x "
                  "(the most a sipas that imports these modules could reach)")
        anchors = {"R survey": "Rscript", "svy": args.svy_python}
        if sys.executable in CPU_TIMES:
            for anchor, key in anchors.items():
                if key in CPU_TIMES and key != sys.executable:
                    print(f"{anchor} / sipas, CPU time: {CPU_TIMES[key] / CPU_TIMES[sys.executable]:.1f}x")


if __name__ == "__main__":
    main()

"""Benchmark: every targeting measure for 1,000,000 users over all 33,755 English LSOAs (2021).

Run ``python benchmarks/bench_targeting.py``. Target: the one-call ``targeting()`` under 2 seconds.
The data are synthetic (fake LSOA codes, populations and scores); nothing is read from disk.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from svimpact.geo.targeting import count_users, targeting

N_LSOA = 33_755
N_USERS = 1_000_000


def synthetic(seed: int = 2021) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    score = rng.gamma(2.0, 10.0, N_LSOA)
    rank = pd.Series(score).rank(ascending=False, method="first").astype(int).to_numpy()
    areas = pd.DataFrame({
        "lsoa_code": [f"E0{1_000_000 + i}" for i in range(N_LSOA)],
        "lsoa_name": [f"Fake LSOA {i}" for i in range(N_LSOA)],
        "lad_code": [f"E0800{i % 300:04d}" for i in range(N_LSOA)],
        "lad_name": [f"Authority {i % 300}" for i in range(N_LSOA)],
        "population": rng.integers(1_000, 3_000, N_LSOA),
        "imd_score": score,
        "imd_rank": rank,
        "imd_decile": np.ceil(rank / N_LSOA * 10).astype(int),
        "income_score": rng.beta(2, 8, N_LSOA),
        "employment_score": rng.beta(2, 8, N_LSOA),
        "barriers_score": rng.normal(20, 8, N_LSOA),
    })
    weight = areas["population"].to_numpy() * (1 + score / score.mean())
    idx = rng.choice(N_LSOA, size=N_USERS, p=weight / weight.sum())
    users = pd.DataFrame({"lsoa_code": areas["lsoa_code"].to_numpy()[idx]})
    return users, areas


def main() -> None:
    t0 = time.perf_counter()
    users, areas = synthetic()
    print(f"synthetic data: {N_USERS:,} users over {N_LSOA:,} LSOAs built in {time.perf_counter() - t0:.2f} s")
    targeting(users.head(1000), areas, seed=1)  # warm-up (imports, caches)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        result = targeting(users, areas, seed=1, repetitions=10_000)
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    count_users(users, areas)
    t_count = time.perf_counter() - t
    t = time.perf_counter()
    tables = result.published_tables()
    t_pub = time.perf_counter() - t
    print(f"targeting(): best {min(times):.2f} s, median {sorted(times)[1]:.2f} s over 3 runs "
          f"(target < 2 s); of which counting users ~{t_count:.2f} s")
    print(f"published_tables() ({len(tables)} tables): {t_pub:.2f} s")
    obj = pd.DataFrame({"lsoa_code": pd.Series(users["lsoa_code"].to_numpy(dtype=object), dtype=object)})
    t = time.perf_counter()
    targeting(obj, areas, seed=1)
    print(f"targeting() with users' codes as a NumPy object column: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    targeting(users, areas, seed=1, repetitions=100_000)
    print(f"targeting() with 100,000 SII repetitions (PHE's default): {time.perf_counter() - t:.2f} s")
    print(result.to_frame().to_string(index=False))


if __name__ == "__main__":
    main()

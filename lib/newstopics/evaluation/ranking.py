"""Ranking runs against each other, from a table of their metrics (the runs layer reads them from disk)."""
from __future__ import annotations

import numpy as np
import pandas as pd

RANK_BY = {
    "npmi": False,
    "c_v": False,
    "diversity": False,
    "stability_ari": False,
    "outlier_share": True,
}  # True: lower is better


def rank_runs(table: pd.DataFrame) -> pd.DataFrame:
    """The table with ``rank_score`` and ``rank`` (1 = best on average), sorted by rank.

    The rank is the mean of a run's ranks on NPMI, C_v, diversity and stability (higher is better) and outlier
    share (lower is better), among the runs whose ``status`` is ``succeeded``; the others are listed last, unranked.

    Args:
        table: one row per run with ``run_id``, ``status`` and the metric columns of :data:`RANK_BY`.
    """
    table = table.copy()
    ok = table["status"] == "succeeded"
    ranks = [
        table.loc[ok, m].astype(float).rank(ascending=asc, method="min")
        for m, asc in RANK_BY.items()
        if table.loc[ok, m].notna().any()
    ]
    table["rank_score"] = pd.concat(ranks, axis=1).mean(axis=1) if ranks else np.nan
    table["rank"] = table["rank_score"].rank(method="min")
    return table.sort_values(["rank", "run_id"], na_position="last").reset_index(drop=True)

"""Ranking runs against each other, from a table of their metrics (the runs layer reads them from disk).

Only comparable runs are ranked against each other: runs of the same corpus (the same input files, by content), the
same document unit and the same number of top words scored. Within such a group the runs are ranked on one stated
measure, :data:`RANKED_BY`:

* ``npmi_over_nmf``: our held-out NPMI minus that of NMF fitted on the same half with as many topics, in the same
  run. Fewer topics score a higher NPMI on any model; the margin over NMF with as many topics is not moved by the topic
  count alone, so runs with 6 and with 40 topics can be ranked on it.
* where a run has no NMF (baselines off, as above 20,000 documents by default), nothing comparable across topic counts
  is at hand: its group is ranked on held-out ``npmi`` only when every run in it has the same number of topics, and
  left unranked otherwise (``rank`` empty, ``ranked_by`` says why).

Outlier share is never ranked: reassigning outliers by rule lowers it without making a topic better.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

RANKED_BY = ("npmi_over_nmf", "npmi")  # the measure, in order of preference (see the module notes)
GROUP_BY = ("corpus_key", "doc_unit", "top_n_words")  # runs are ranked only against runs equal on these


def rank_runs(table: pd.DataFrame) -> pd.DataFrame:
    """The table with ``group`` (comparable runs share it), ``ranked_by`` and ``rank`` (1 = best in its group), sorted
    by group and rank; runs that did not succeed are listed last, unranked.

    Args:
        table: one row per run with ``run_id``, ``status``, ``npmi``, ``nmf_npmi``, ``topics`` and the columns of
            :data:`GROUP_BY` (a missing one counts as equal for all runs).

    Example:
        >>> t = pd.DataFrame({"run_id": list("abcd"), "status": ["succeeded"] * 3 + ["failed"],
        ...                   "npmi": [0.10, 0.12, 0.20, None], "nmf_npmi": [0.05, 0.10, 0.19, None],
        ...                   "topics": [8, 5, 4, None], "corpus_key": ["x"] * 4})
        >>> ranked = rank_runs(t)
        >>> ranked["run_id"].tolist(), ranked["rank"].tolist()
        (['a', 'b', 'c', 'd'], [1.0, 2.0, 3.0, nan])
        >>> ranked["ranked_by"].tolist()
        ['npmi_over_nmf', 'npmi_over_nmf', 'npmi_over_nmf', 'not ranked: failed']
    """
    table = table.copy()
    keys = [c for c in GROUP_BY if c in table.columns]
    table["group"] = (table[keys].astype(str).agg(" | ".join, axis=1) if keys else pd.Series("all", index=table.index))
    table["group"] = table["group"].map({g: i + 1 for i, g in enumerate(dict.fromkeys(table["group"]))})
    table["npmi_over_nmf"] = table["npmi"].astype(float) - table["nmf_npmi"].astype(float)
    table["rank"] = np.nan
    table["ranked_by"] = "not ranked: " + table["status"].astype(str)
    ok = table["status"] == "succeeded"
    for _, rows in table[ok].groupby("group"):
        if rows["npmi_over_nmf"].notna().all():
            measure = "npmi_over_nmf"
        elif rows["npmi"].notna().all() and rows["topics"].nunique() == 1:
            measure = "npmi"
        else:
            table.loc[rows.index, "ranked_by"] = "not ranked: no NMF margin, and topic counts differ"
            continue
        table.loc[rows.index, "rank"] = rows[measure].astype(float).rank(ascending=False, method="min")
        table.loc[rows.index, "ranked_by"] = measure
    return table.sort_values(["group", "rank", "run_id"], na_position="last").reset_index(drop=True)

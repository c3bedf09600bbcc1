"""How good are the topics, and how sure can we be of them: the evaluation stage.

Entry point: :func:`evaluate`. Inside: ``coherence`` (NPMI, C_v, diversity, checked by hand in the tests),
``baselines`` (NMF and LDA with as many topics), ``stability`` (refits on resamples), ``ranking`` (runs
ranked by their metrics, for sweeps).
"""
from .baselines import LDA_ITERATIONS, baseline_topics, want_baselines
from .coherence import (
                        CV_WINDOW,
                        NPMI_WINDOW,
                        TOP_N,
                        Scores,
                        WindowCounts,
                        cv_coherence,
                        diversity,
                        npmi_coherence,
                        score_topics,
                        tokenize,
)
from .evaluate import Evaluation, evaluate
from .ranking import RANK_BY, rank_runs
from .stability import STABLE_MATCH, Stability, match_topics, stability

__all__ = [
    "CV_WINDOW",
    "LDA_ITERATIONS",
    "NPMI_WINDOW",
    "RANK_BY",
    "STABLE_MATCH",
    "TOP_N",
    "Evaluation",
    "Scores",
    "Stability",
    "WindowCounts",
    "baseline_topics",
    "cv_coherence",
    "diversity",
    "evaluate",
    "match_topics",
    "npmi_coherence",
    "rank_runs",
    "score_topics",
    "stability",
    "tokenize",
    "want_baselines",
]

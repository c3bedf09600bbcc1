"""Figures of a coverage comparison by a metadata column (:class:`~newstopics.analysis.groups.GroupComparison`).

Each function returns ``(figure, table)``: the figure with its reading guide, the table of what it draws (the CSV
saved beside it). Any corpus fits: at most :data:`MAX_GROUPS` groups and :data:`MAX_TOPICS` topics are drawn (the
largest, the title says so), no figure is taller than :data:`MAX_HEIGHT` px, and all text from the corpus is escaped.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from ..analysis.groups import ALPHA, CONFIDENCE, GroupComparison
from .render import empty_figure, esc, guide
from .tables import table_html

MAX_GROUPS = 12
MAX_TOPICS = 12
MAX_HEIGHT = 900
N_WORDS_SHOWN = 5
COLOURS = qualitative.Dark24  # a colour for each of up to 24 groups (plotly's default repeats after 10)


def _what(by: str) -> str:
    return "article" if by == "article_id" else by


def _a(by: str) -> str:
    """The column's name as a reader says it, with its article: "a source", "an author"."""
    what = _what(by)
    return f"{'an' if what[:1].lower() in 'aeiou' else 'a'} {what}"


def _shown(cmp: GroupComparison, max_groups: int, max_topics: int) -> tuple[list[str], list[int], str]:
    """The groups (largest first) and topics (most documents in the compared groups first) drawn, and the title's
    note on what was left out."""
    groups = cmp.included
    sizes = cmp.prevalence.groupby("topic")["count"].sum().sort_values(ascending=False, kind="stable")
    topics = sizes.index.astype(int).tolist()
    notes = []
    if len(groups) > max_groups:
        notes.append(f"the {max_groups} largest of {len(groups)} groups")
    if len(topics) > max_topics:
        notes.append(f"the {max_topics} largest of {len(topics)} topics")
    return groups[:max_groups], topics[:max_topics], f" ({'; '.join(notes)})" if notes else ""


def _topic_name(topic: int, label: str, width: int = 0) -> str:
    return esc(f"{topic}: {label}", width)


def _not_compared(cmp: GroupComparison, title: str) -> go.Figure | None:
    if len(cmp.included) >= 2 and cmp.test.tested:
        return None
    why = cmp.test.reason or "fewer than two groups are large enough"
    return empty_figure(title, f"The topic mix is not compared by {cmp.by}: {why}.")


def prevalence_chart(cmp: GroupComparison, max_groups: int = MAX_GROUPS,
                     max_topics: int = MAX_TOPICS) -> tuple[go.Figure, pd.DataFrame]:
    """Each group's share of documents in each topic, a dot per group with its interval as error bars.

    Args:
        cmp: the comparison.
        max_groups: groups drawn at most (the largest).
        max_topics: topics drawn at most (those with most documents in the compared groups).

    Returns:
        ``(figure, table)``: the table holds the prevalence rows drawn.

    Example:
        >>> fig, table = prevalence_chart(compare_result(result, "source"))  # doctest: +SKIP
        >>> show(fig, run.path("figures"), "topics_by_source", table)           # doctest: +SKIP
    """
    title = f"Topic share per {_what(cmp.by)}"
    empty = _not_compared(cmp, title)
    if empty is not None:
        return empty, cmp.prevalence.iloc[0:0]
    groups, topics, note = _shown(cmp, max_groups, max_topics)
    table = cmp.prevalence[cmp.prevalence["group"].isin(groups) & cmp.prevalence["topic"].isin(topics)].copy()
    table["order"] = table["topic"].map({t: i for i, t in enumerate(topics)})
    table = table.sort_values(["order", "group"], kind="stable").drop(columns="order").reset_index(drop=True)
    names = {t: _topic_name(t, lab, 45) for t, lab in zip(table["topic"], table["label"], strict=True)}
    fig = go.Figure()
    for i, g in enumerate(groups):
        rows = table[table["group"] == g].set_index("topic").reindex(topics)
        fig.add_trace(go.Scatter(
            x=rows["share"], y=[names[t] for t in topics], mode="markers", orientation="h",
            name=esc(g or "(none)", 40),
            error_x=dict(type="data", symmetric=False, array=(rows["high"] - rows["share"]).to_numpy(),
                         arrayminus=(rows["share"] - rows["low"]).to_numpy(), thickness=1.2, width=3),
            marker=dict(size=8, color=COLOURS[i % len(COLOURS)]),
            customdata=np.stack([rows["count"], rows["total"], rows["low"], rows["high"],
                                 rows["design_effect"]], axis=1),
            hovertemplate=f"<b>{esc(g, 50)}</b><br>%{{y}}<br>%{{x:.1%}} of its documents "
                          "(%{customdata[0]} of %{customdata[1]})<br>"
                          f"{CONFIDENCE:.0%} interval %{{customdata[2]:.1%}}-%{{customdata[3]:.1%}}, "
                          "design effect %{customdata[4]:.2f}<extra></extra>",
        ))
    height = min(MAX_HEIGHT, max(360, 150 + len(topics) * max(30, 7 * len(groups))))
    fig.update_layout(title=title + note, xaxis_title="share of the group's documents (outliers left out)",
                      xaxis_tickformat=".0%", yaxis_title="topic", scattermode="group", height=height,
                      legend_title_text=esc(_what(cmp.by), 30))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(rangemode="tozero")
    unit = ("over articles (documents of one article are not independent), so a group of few articles has a wide "
            "interval" if cmp.unit == "article" else "treating each group's documents as independent")
    return guide(fig, f"Each row is a topic (largest first), each colour {_a(cmp.by)}: the dot is the share of "
                      f"that {_what(cmp.by)}'s documents in the topic, the bar its {CONFIDENCE:.0%} interval, measured "
                      f"{unit}. Whether a difference is clear is the test's call (the residuals chart marks the "
                      f"cells it names), not the bars': a named cell's bar always leaves out the other groups' "
                      f"share."), table


def residual_heatmap(cmp: GroupComparison, max_groups: int = MAX_GROUPS,
                     max_topics: int = MAX_TOPICS) -> tuple[go.Figure, pd.DataFrame]:
    """Where the topic mix departs from independence: each cell's adjusted residual (corrected for the design effect),
    red where a group has more of a topic than independence predicts, blue where less; ● marks a cell significant
    after Holm's correction (and only when the test as a whole is).

    Returns:
        ``(figure, table)``: the table holds the residual rows drawn.
    """
    title = f"Which topics set each {_what(cmp.by)} apart"
    empty = _not_compared(cmp, title)
    if empty is not None:
        return empty, cmp.test.residuals.iloc[0:0]
    groups, topics, note = _shown(cmp, max_groups, max_topics)
    r = cmp.test.residuals
    table = r[r["group"].isin(groups) & r["topic"].isin(topics)].reset_index(drop=True)
    topics = [t for t in topics if t in set(table["topic"])]
    grid = table.pivot(index="group", columns="topic").reindex(index=groups)
    z = grid["residual_adjusted"].reindex(columns=topics).to_numpy(dtype=float)
    flagged = grid["flagged"].reindex(columns=topics).fillna(False).to_numpy(dtype=bool)
    labels = dict(zip(table["topic"], table["label"], strict=False))
    bound = float(max(3.0, np.nanmax(np.abs(z)) if np.isfinite(z).any() else 3.0))
    custom = np.stack([grid[c].reindex(columns=topics).to_numpy(dtype=float)
                       for c in ("observed", "expected", "share_group", "share_rest", "p_holm")], axis=-1)
    fig = go.Figure(go.Heatmap(
        z=np.round(z, 2), x=[_topic_name(t, labels[t], 30) for t in topics], y=[esc(g or "(none)", 40) for g in groups],
        colorscale="RdBu_r", zmid=0, zmin=-bound, zmax=bound, colorbar=dict(title="residual"),
        text=np.where(flagged, "●", ""), texttemplate="%{text}", textfont=dict(size=14, color="#111"),
        customdata=custom,
        hovertemplate="%{y}<br>%{x}<br>%{customdata[0]:.0f} documents, %{customdata[1]:.1f} expected<br>"
                      "%{customdata[2]:.0%} of its documents, %{customdata[3]:.0%} in the other groups<br>"
                      "adjusted residual %{z:+.2f}, p %{customdata[4]:.3g} after Holm<extra></extra>",
    ))
    fig.update_layout(title=title + note, xaxis_title="topic", yaxis_title=esc(_what(cmp.by), 30),
                      height=min(MAX_HEIGHT, max(340, 200 + 42 * len(groups))), xaxis_tickangle=-35)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(automargin=True)
    t = cmp.test
    alpha = cmp.settings.get("alpha", ALPHA)
    rule = (f"significant after Holm's correction over all {len(r)} cells whose group's interval leaves out the "
            f"other groups' share")
    if t.p_value < alpha:
        verdict = f"The test as a whole is significant ({_p(t.p_value)}), so ● marks the cells {rule}."
    else:
        verdict = (f"The test as a whole is not significant ({_p(t.p_value)}), so no cell is marked (● would mark "
                   f"the cells {rule}).")
    return guide(fig, f"Each cell compares {_a(cmp.by)}'s documents in a topic with what independence of "
                      f"{_what(cmp.by)} and topic predicts: red more, blue fewer; the number is the adjusted residual "
                      f"divided by the square root of the design effect ({t.design_effect:.2f}). {verdict}"), table


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def words_header(cmp: GroupComparison) -> str:
    """The words column's header: what the counts beside each word are."""
    return f"words (z; {cmp.counted}s using it in the group / in the rest)"


def distinctive_table(cmp: GroupComparison, n_words: int = N_WORDS_SHOWN, max_groups: int = MAX_GROUPS,
                      max_topics: int = MAX_TOPICS) -> pd.DataFrame:
    """One row per topic and group with distinctive words: the words (z; the articles using it in the group / in the
    other groups; documents, when documents are the unit), most distinctive first, and the cell's articles (or
    documents)."""
    d = cmp.distinctive
    header, unit = words_header(cmp), f"{cmp.counted}s"
    groups, topics, _ = _shown(cmp, max_groups, max_topics)
    d = d[d["group"].isin(groups) & d["topic"].isin(topics) & (d["rank"] <= n_words)]
    rows = []
    for (topic, group), cell in d.groupby(["topic", "group"], sort=False):
        cell = cell.sort_values("rank")
        rows.append({"topic": f"{topic}: {cell['label'].iloc[0]}", "group": group,
                     unit: f"{cell['articles_group'].iloc[0]:,} vs {cell['articles_rest'].iloc[0]:,}",
                     header: ", ".join(
                         f"{w.word} ({w.z:.1f}; {w.count_group}/{w.count_rest})" for w in cell.itertuples())})
    order = {t: i for i, t in enumerate(topics)}
    out = pd.DataFrame(rows, columns=["topic", "group", unit, header])
    if len(out):
        out = out.assign(_o=[order[int(t.split(":")[0])] for t in out["topic"]]).sort_values(["_o", "group"])
        out = out.drop(columns="_o").reset_index(drop=True)
    return out


def distinctive_words(cmp: GroupComparison, n_words: int = N_WORDS_SHOWN, max_groups: int = MAX_GROUPS,
                      max_topics: int = MAX_TOPICS) -> tuple[go.Figure, pd.DataFrame]:
    """A compact table (as a figure) of what each group says differently inside the same topic.

    Returns:
        ``(figure, table)``: the table holds the word rows drawn (with their counts).
    """
    title = f"What each {_what(cmp.by)} says differently inside a topic"
    compact = distinctive_table(cmp, n_words, max_groups, max_topics)
    words = cmp.distinctive
    groups, topics, note = _shown(cmp, max_groups, max_topics) if cmp.included else ([], [], "")
    drawn = words[words["group"].isin(groups) & words["topic"].isin(topics) & (words["rank"] <= n_words)]
    stale = cmp.settings.get("words_note")
    if compact.empty and isinstance(stale, str) and stale:
        return empty_figure(title, f"Distinctive words are not shown: {stale}."), drawn.reset_index(drop=True)
    if compact.empty:
        z = cmp.settings.get("word_z", 1.96)
        return empty_figure(title, f"No word stands out (z ≥ {z:g}) for any {_what(cmp.by)} inside a topic with at "
                                   f"least {cmp.settings.get('min_cell_docs', 10)} of its documents and as many "
                                   f"of the other groups'."), drawn.reset_index(drop=True)
    fig = go.Figure(go.Table(
        columnwidth=[2.2, 1.4, 1, 5],
        header=dict(values=[esc(c) for c in compact.columns], align="left", fill_color="#eef1f5",
                    font=dict(size=12)),
        cells=dict(values=[[esc(v, w) for v in compact[c].astype(str)]
                           for c, w in zip(compact.columns, (30, 20, 0, 90), strict=True)],
                   align="left", font=dict(size=11), height=26),
    ))
    fig.update_layout(title=title + note, height=min(MAX_HEIGHT, 140 + 48 * len(compact)))
    return guide(fig, f"Each row is a topic and {_a(cmp.by)}: the words its documents in that topic use more "
                      f"often than the other groups' documents of the same topic (weighted log-odds, the topic's own "
                      f"word counts as prior; z ≥ {cmp.settings.get('word_z', 1.96):g}, most distinctive first), "
                      f"with how many of the group's {cmp.counted}s use it and how many of the rest's ("
                      f"{_a(cmp.counted)} counts a word once). Rare words need many {cmp.counted}s to stand out; "
                      f"read them as leads, not proof."), drawn.reset_index(drop=True)


def distinctive_html(cmp: GroupComparison, n_words: int = N_WORDS_SHOWN) -> str:
    """The same compact table as escaped HTML (:func:`~.tables.table_html`), for a report's text."""
    return table_html(distinctive_table(cmp, n_words))


def passages_table(cmp: GroupComparison, excerpt: int = 200) -> pd.DataFrame:
    """The representative passages per topic and group, shortened for reading (the CSV holds them whole)."""
    p = cmp.passages
    cut = p["excerpt"].str.len() > excerpt
    text = p["excerpt"].str.slice(0, excerpt) + np.where(cut, " …", "")
    return p[["topic", "label", "group", "doc_id", "title", "words"]].assign(excerpt=text)

"""Topics over time as small multiples: one panel per theme, one per large topic, each its share with an interval
band, plus the notable changes and the words that set each period apart. Draws a ``analysis.time.Timeline``.

Every function returns ``(figure, table)``: the figure with its reading guide, the table its data (the CSV saved
beside it). When the corpus cannot support a time view, the figure says why and the table is empty.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.time import CHANGE_COLUMNS, SHARE_COLUMNS, WORD_COLUMNS, Timeline, pct
from .render import empty_figure, esc, guide

MAX_TOPICS = 12
MAX_CHANGES = 30
COLS = 3
LINE = "#1f6fb4"
BAND = "rgba(31, 111, 180, 0.18)"
RISE, FALL = "#1a9850", "#d73027"


def _why(title: str, tl: Timeline, columns: list[str]) -> tuple[go.Figure, pd.DataFrame]:
    return empty_figure(title, tl.why), pd.DataFrame(columns=columns)


def _band(x: list[str], low: np.ndarray, high: np.ndarray) -> tuple[list, list]:
    """The interval band as closed shapes, one per run of periods with documents (None between runs)."""
    xs, ys = [], []
    ok = ~np.isnan(low)
    i = 0
    while i < len(x):
        if not ok[i]:
            i += 1
            continue
        j = i
        while j < len(x) and ok[j]:
            j += 1
        if xs:
            xs.append(None)
            ys.append(None)
        xs += list(x[i:j]) + list(x[i:j])[::-1]
        ys += list(high[i:j]) + list(low[i:j])[::-1]
        i = j
    return xs, ys


def _panels(tl: Timeline, table: pd.DataFrame, key: str, order: list[int], title: str,
            how: str) -> go.Figure:
    """One panel per group in ``order`` (a grid of ``COLS`` columns), same x and y axes everywhere."""
    labels = table.drop_duplicates(key).set_index(key)["label"]
    rows = int(np.ceil(len(order) / COLS))
    cols = min(COLS, len(order))
    names = [esc(f"{g}: {labels[g]}" if key == "topic" else labels[g], 38) for g in order]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, horizontal_spacing=0.06,
                        vertical_spacing=min(0.12, 0.5 / rows))
    changes = tl.changes if key == "topic" else pd.DataFrame(columns=CHANGE_COLUMNS)
    top = table.loc[table[key].isin(order), "share"].max()
    ymax = float(min(1.0, (top if top == top else 0.1) * 1.25 + 0.02))
    for i, g in enumerate(order):
        r, c = i // cols + 1, i % cols + 1
        d = table[table[key] == g]
        x = d["start"].tolist()
        bx, by = _band(x, d["low"].to_numpy(float), d["high"].to_numpy(float))
        fig.add_trace(go.Scatter(x=bx, y=by, fill="toself", fillcolor=BAND, line=dict(width=0), hoverinfo="skip",
                                 showlegend=False), row=r, col=c)
        custom = [list(row) for row in zip(d["period"].astype(str).tolist(), d["count"].tolist(), d["total"].tolist(),
                                           d["low"].fillna(0).tolist(), d["high"].fillna(0).tolist(), strict=True)]
        fig.add_trace(go.Scatter(
            x=x, y=d["share"], mode="lines+markers", line=dict(color=LINE, width=2), marker=dict(size=4),
            customdata=custom, showlegend=False, connectgaps=False,
            hovertemplate="%{customdata[0]}: %{y:.0%} (%{customdata[1]} of %{customdata[2]} documents; 95% interval "
                          "%{customdata[3]:.0%} to %{customdata[4]:.0%})<extra></extra>"), row=r, col=c)
        hits = changes[changes["topic"] == g]
        if len(hits):
            fig.add_trace(go.Scatter(
                x=hits["start"], y=hits["share_now"], mode="markers", showlegend=False,
                marker=dict(size=10, symbol="circle-open", line=dict(width=2),
                            color=[RISE if h == "rise" else FALL for h in hits["direction"]]),
                text=[f"{h.direction} from {pct(h.share_before)} to {pct(h.share_now)}" for h in hits.itertuples()],
                hovertemplate="notable change: %{text}<extra></extra>"), row=r, col=c)
    fig.update_xaxes(matches="x", tickfont_size=9, nticks=5)
    fig.update_yaxes(matches="y", range=[0, ymax], tickformat=".0%", tickfont_size=9, nticks=4)
    per_row = 230 if rows <= 3 else max(160, 880 // rows)
    fig.update_layout(title=title, height=110 + per_row * rows, showlegend=False, margin=dict(t=90, b=40))
    fig.update_annotations(font_size=11)
    return guide(fig, how)


def _largest(table: pd.DataFrame, key: str) -> list[int]:
    sizes = table.groupby(key)["count"].sum()
    sizes = sizes[sizes.index != -1] if key == "topic" else sizes
    return sizes.sort_values(ascending=False, kind="stable").index.tolist()


def theme_panels(tl: Timeline) -> tuple[go.Figure, pd.DataFrame]:
    """One panel per theme: its share of each period's documents, with its 95% interval."""
    title = "Themes over time"
    if tl.why:
        return _why(title, tl, SHARE_COLUMNS)
    table = tl.theme_shares
    if table.empty:
        return empty_figure(title, "The run has no themes to follow over time."), table
    order = [g for g in _largest(table, "theme") if g != -1]
    if not order:
        return empty_figure(title, "No theme has a dated document."), table
    unit = tl.period
    fig = _panels(tl, table, "theme", order, f"Themes over time (share of each {unit}'s documents)",
                  f"Each panel is a theme (largest first): the line is its share of the documents published that "
                  f"{unit}, the band its 95% interval (wide where a {unit} has few documents or few articles). All "
                  f"panels share both axes, so heights compare across themes; a gap is a {unit} with no documents."
                  + ("" if tl.include_outliers else " Outliers are left out of every share."))
    return fig, table[table["theme"].isin(order)].reset_index(drop=True)


def topic_panels(tl: Timeline, max_topics: int = MAX_TOPICS) -> tuple[go.Figure, pd.DataFrame]:
    """One panel per topic, the ``max_topics`` largest (by dated documents): share, 95% interval, notable changes."""
    title = "Topics over time"
    if tl.why:
        return _why(title, tl, SHARE_COLUMNS)
    table = tl.shares
    ranked = _largest(table, "topic")
    order = ranked[:max_topics]
    if not order:
        return empty_figure(title, "No topic has a dated document: every one is an outlier."), table.iloc[:0]
    unit = tl.period
    which = f"the {len(order)} largest of {len(ranked)} topics" if len(ranked) > len(order) else (
        f"all {len(order)} topics")
    fig = _panels(tl, table, "topic", order, f"Topics over time: {which} (share of each {unit}'s documents)",
                  f"Each panel is a topic (largest first; {which}): the line is its share of the documents published "
                  f"that {unit}, the band its 95% interval. All panels share both axes. A ringed point is a notable "
                  f"change (green a rise, red a fall) against the {tl.rule.window} {unit}s before it; the table of "
                  f"changes lists them." + ("" if tl.include_outliers else " Outliers are left out of every share."))
    return fig, table[table["topic"].isin(order)].reset_index(drop=True)


def change_chart(tl: Timeline, max_rows: int = MAX_CHANGES) -> tuple[go.Figure, pd.DataFrame]:
    """The notable changes as dumbbells: each row a topic in a period, from its trailing share to its share then."""
    title = "Notable changes in theme and topic shares"
    if tl.why:
        return _why(title, tl, CHANGE_COLUMNS)
    themes = tl.theme_changes.rename(columns={"theme": "topic"}).assign(level="theme")
    ch = pd.concat([themes, tl.changes.assign(level="topic")], ignore_index=True) if len(themes) else \
        tl.changes.assign(level="topic")
    if ch.empty:
        return empty_figure(title, tl.sentences()[-1]), ch
    largest = ch.reindex(ch["change"].abs().sort_values(ascending=False, kind="stable").index)
    shown = largest.head(max_rows).sort_values(["start", "level", "topic"], kind="stable")
    unit, w = tl.period, tl.rule.window
    names = [esc(f"{r.period} · {'theme ' if r.level == 'theme' else ''}{r.topic}: {r.label}", 60)
             for r in shown.itertuples()]
    fig = go.Figure()
    xs, ys = [], []
    for name, r in zip(names, shown.itertuples(), strict=True):
        xs += [r.share_before, r.share_now, None]
        ys += [name, name, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#999999", width=2), hoverinfo="skip",
                             showlegend=False))
    fig.add_trace(go.Scatter(x=shown["share_before"], y=names, mode="markers", name=f"trailing {w} {unit}s",
                             marker=dict(size=9, color="#999999"),
                             hovertemplate=f"trailing {w} {unit}s: " + "%{x:.0%}<extra></extra>"))
    titles = [esc(" | ".join(t for t in (r.title_1, r.title_2, r.title_3) if t), 70) for r in shown.itertuples()]
    custom = [list(row) for row in zip(shown["count"].tolist(), shown["total"].tolist(), shown["z"].round(1).tolist(),
                                       shown["p_adjusted"].tolist(), titles, strict=True)]  # numbers stay numbers
    fig.add_trace(go.Scatter(
        x=shown["share_now"], y=names, mode="markers", name=f"that {unit}",
        marker=dict(size=11, color=[RISE if d == "rise" else FALL for d in shown["direction"]]), customdata=custom,
        hovertemplate="%{y}<br>%{x:.0%} (%{customdata[0]} of %{customdata[1]} documents), z = %{customdata[2]}, "
                      "adjusted p = %{customdata[3]:.2g}<br>carried by: %{customdata[4]}<extra></extra>"))
    more = f" (the {len(shown)} largest of {len(ch)})" if len(ch) > len(shown) else f" ({len(ch)})"
    right = float(max(shown["share_before"].max(), shown["share_now"].max()))
    fig.update_layout(title=title + more, xaxis_title="share of the period's documents", xaxis_tickformat=".0%",
                      xaxis_range=[0, min(1.0, right * 1.1 + 0.02)],
                      height=min(1000, 170 + 28 * len(shown)), showlegend=True,
                      legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    fig.update_yaxes(automargin=True, autorange="reversed")
    r = tl.rule
    return guide(fig, f"Each row is a theme (\"theme N\") or a topic in one {unit} whose share moved by at least "
                      f"{r.min_change * 100:g} points against its pooled share over the {w} {unit}s before (grey dot) "
                      f"to that {unit}'s share (green a rise, red a fall), clear after a Benjamini-Hochberg correction "
                      f"at {r.alpha:g} over every theme (or topic) and {unit} tested. Hover for the articles that "
                      "carry it."), ch


def words_table(tl: Timeline, max_topics: int = MAX_TOPICS, n_words: int = 5) -> tuple[go.Figure, pd.DataFrame]:
    """The first ``n_words`` words that set each period apart within each of the ``max_topics`` largest topics."""
    title = "Words per period, by topic"
    if tl.why:
        return _why(title, tl, WORD_COLUMNS)
    w = tl.words
    order = [t for t in _largest(tl.shares, "topic") if t in set(w["topic"])][:max_topics]
    r, unit = tl.rule, tl.period
    if not order:
        return empty_figure(title, f"No topic has {r.words_min_docs} documents in a {unit} and as many in its other "
                                   f"{unit}s, or no word sets a {unit} clearly apart."), w.iloc[:0]
    w = w[w["topic"].isin(order) & (w["rank"] <= n_words)]
    w = w.assign(_o=w["topic"].map({t: i for i, t in enumerate(order)})).sort_values(["_o", "start", "rank"])
    grouped = w.groupby(["_o", "start"], sort=True)
    rows = [(esc(f"{g['topic'].iloc[0]}: {g['label'].iloc[0]}", 40), esc(g["period"].iloc[0]),
             f"{g['docs'].iloc[0]}", esc(", ".join(g["word"]))) for _, g in grouped]
    cells = list(zip(*rows, strict=True))
    fig = go.Figure(go.Table(
        columnwidth=[3, 1.2, 1, 6],
        header=dict(values=["topic", unit, "documents", f"words that set the {unit} apart (first {n_words})"],
                    align="left", fill_color="#e8eef5"),
        cells=dict(values=cells, align="left", height=30)))
    n_topics = len(set(tl.words["topic"]))
    which = f"the {len(order)} largest of {n_topics} topics with words" if n_topics > len(order) else (
        f"{len(order)} topic(s)")
    fig.update_layout(title=f"{title}: {which}", height=min(1000, 170 + 36 * len(rows)))
    return guide(fig, f"Each row is a topic in one {unit}: the words its documents that {unit} use more often than "
                      f"its documents of other {unit}s (weighted log-odds with the topic's own counts as prior, z of "
                      f"{r.words_min_z:g} or more, in {r.min_articles} articles or more), most distinctive first: how "
                      f"the topic's framing moves. Only {unit}s with {r.words_min_docs} documents of the topic or "
                      f"more."), w.drop(columns="_o").reset_index(drop=True)


def time_figures(tl: Timeline, max_topics: int = MAX_TOPICS) -> dict[str, tuple[go.Figure, pd.DataFrame]]:
    """Every view of the time line by export name: themes, topics, changes, words over time."""
    return {"themes_over_time": theme_panels(tl), "topics_over_time": topic_panels(tl, max_topics),
            "changes_over_time": change_chart(tl), "words_over_time": words_table(tl, max_topics)}

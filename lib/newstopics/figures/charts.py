"""Interactive figures of a topic result, safe for any topic count and for hostile text."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..model import OUTLIER, TopicResult
from ..model.means import unit_means
from .render import empty_figure, esc, guide


def _topics(result: TopicResult, include_outliers: bool = False) -> pd.DataFrame:
    t = result.topics
    return t if include_outliers else t[t["topic"] != OUTLIER]


def topic_barchart(result: TopicResult, n_words: int = 6, max_topics: int = 12) -> go.Figure:
    """Top words of each topic with their lift, one small bar chart per topic (largest topics first).

    Args:
        result: the topic result.
        n_words: words per topic.
        max_topics: topics drawn.

    Returns:
        A plotly figure with its reading guide (``how_to_read(fig)``).

    Example:
        >>> show(topic_barchart(result), run.path("figures"), "topic_words")  # doctest: +SKIP
    """
    topics = _topics(result).sort_values("count", ascending=False).head(max_topics)
    if topics.empty:
        return empty_figure("Top words per topic", "No topic was found: every document is an outlier.")
    cols = min(3, len(topics))
    rows = int(np.ceil(len(topics) / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[esc(f"{r.topic}: {r.label}", 40) for r in topics.itertuples()],
        horizontal_spacing=0.14,
        vertical_spacing=min(0.16, 0.6 / rows),
    )
    for i, r in enumerate(topics.itertuples()):
        words = result.model.get_topic(r.topic) or []
        words = words[:n_words][::-1]
        fig.add_trace(
            go.Bar(
                x=[s for _, s in words],
                y=[esc(w) for w, _ in words],
                orientation="h",
                showlegend=False,
                hovertemplate="%{y}: %{x:.3f}<extra></extra>",
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    # one axis title, under the bottom row only: a title under every panel ran into the next row's panel titles
    for col in range(1, cols + 1):
        fig.update_xaxes(title_text="lift", title_font_size=10, row=rows, col=col)
    fig.update_layout(title="Top words per topic", height=max(320, 240 * rows), margin=dict(t=90, b=50))
    fig.update_annotations(font_size=11)
    return guide(
        fig, "Each panel is one topic (largest first), its top words in the order chosen: the words its documents use "
        "far more often than the corpus does (lift: the longer the bar, the more) and that appear together."
    )


def topic_centroids(result: TopicResult) -> tuple[pd.DataFrame, np.ndarray]:
    """Topics (outliers excluded) and the unit-length mean embedding of each one's documents."""
    topics = _topics(result)
    emb, docs = result.embeddings, result.documents
    if not len(topics):
        return topics, np.zeros((0, emb.shape[1]))
    return topics, unit_means(emb, docs["topic"].to_numpy(), topics["topic"].to_numpy())


def document_positions(result: TopicResult, coords: np.ndarray) -> pd.DataFrame:
    """The document map's data: each document's topic, label and 2-D position (the CSV saved beside the chart)."""
    return result.documents[["doc_id", "article_id", "topic", "label"]].assign(x=coords[:, 0], y=coords[:, 1])


def topic_positions(result: TopicResult) -> pd.DataFrame:
    """2-D positions of topics from their documents' mean embeddings (classical MDS of cosine distances)."""
    topics, c = topic_centroids(result)
    pos = np.zeros((len(topics), 2))
    if len(topics) >= 2:
        d2 = np.clip(2 - 2 * c @ c.T, 0, None)  # squared cosine-chord distances
        n = len(c)
        j = np.eye(n) - 1.0 / n
        b = -0.5 * j @ d2 @ j
        vals, vecs = np.linalg.eigh(b)
        order = np.argsort(vals)[::-1][:2]
        pos = vecs[:, order] * np.sqrt(np.clip(vals[order], 0, None))
        pos = pos * np.sign(pos[np.argmax(np.abs(pos), axis=0), range(2)])  # fix the sign: deterministic
    return pd.DataFrame(
        {
            "topic": topics["topic"].to_numpy(),
            "x": pos[:, 0],
            "y": pos[:, 1],
            "count": topics["count"].to_numpy(),
            "label": topics["label"].to_numpy(),
            "top_words": topics["top_words"].to_numpy(),
        }
    )


def intertopic_map(result: TopicResult) -> go.Figure:
    """Topics as bubbles sized by their documents, placed by :func:`topic_positions`; hover for words."""
    pos = topic_positions(result)
    if pos.empty:
        return empty_figure("Intertopic distance map", "No topic was found: every document is an outlier.")
    size = 18 + 50 * np.sqrt(pos["count"] / pos["count"].max())
    fig = go.Figure(
        go.Scatter(
            x=pos["x"],
            y=pos["y"],
            mode="markers+text",
            text=[str(t) for t in pos["topic"]],
            textposition="middle center",
            marker=dict(
                size=size, color=pos["topic"], colorscale="Viridis", opacity=0.55, line=dict(width=1, color="#333")
            ),
            customdata=np.stack(
                [[esc(lab, 50) for lab in pos["label"]], pos["count"], [esc(w, 60) for w in pos["top_words"]]], axis=1
            ),
            hovertemplate="<b>Topic %{text}: %{customdata[0]}</b><br>%{customdata[1]} "
                          "documents<br>%{customdata[2]}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Intertopic distance map",
        xaxis_title="dimension 1 (cosine distance, MDS)",
        yaxis_title="dimension 2",
        height=480,
        showlegend=False,
    )
    return guide(
        fig,
        "Each bubble is a topic, sized by its number of documents; topics close together are written about in similar "
        "terms.",
    )


HEATMAP_MAX_ROWS = 40  # rows of the per-article mix drawn at most (the articles with most documents)
HEATMAP_MAX_PX = 900  # its height at most: a screen


def article_topic_heatmap(
    result: TopicResult, by: str = "article_id", label_col: str | None = "title", max_rows: int = HEATMAP_MAX_ROWS
) -> go.Figure:
    """Share of each article's (or source's) documents in each topic; past ``max_rows`` rows, the largest.

    Args:
        result: the topic result.
        by: the document column to group by (``article_id``, ``source``, ...).
        label_col: the column naming each row (``title`` for articles), or None to show the group itself.
        max_rows: rows drawn at most.
    """
    mix = result.article_mix(by)
    if mix.empty:
        return empty_figure("Topics per article", "No documents.")
    total = len(mix)
    if total > max_rows:
        sizes = result.documents[by].value_counts()
        keep = sizes[sizes.index.isin(mix.index)].sort_values(ascending=False, kind="stable").index[:max_rows]
        mix = mix[mix.index.isin(keep)]
    names = [str(n) or f"(no {by})" for n in mix.index]  # a blank name would show as an empty row
    if label_col and label_col in result.documents:
        first = result.documents.drop_duplicates(by).set_index(by)[label_col]
        names = [f"{first.get(n) or n}" for n in mix.index]
    topic_of = dict(zip(result.topics["label"], result.topics["topic"], strict=True))
    ticks = [
        f"{topic_of.get(c, '')}: {c.split(' · ')[0]}" if topic_of.get(c, -1) != OUTLIER else "outliers"
        for c in mix.columns
    ]
    # rows of 22 px hold one line: beyond 10 rows a name is cut to one line (whole in the hover box); a name that
    # repeats (two articles of one title) gets a number, or the heat map would fold the two rows into one
    rows = [esc(n, 45) if len(names) <= 10 else esc(n if len(n) <= 45 else n[:44] + "…") for n in names]
    seen: dict[str, int] = {}
    for i, r in enumerate(rows):
        seen[r] = seen.get(r, 0) + 1
        rows[i] = r if seen[r] == 1 else f"{r} ({seen[r]})"
    cells = np.empty((len(names), len(mix.columns), 2), dtype=object)
    cells[:, :, 0] = [[esc(n) for _ in mix.columns] for n in names]
    cells[:, :, 1] = [[esc(c) for c in mix.columns] for _ in names]
    fig = go.Figure(
        go.Heatmap(
            z=mix.to_numpy(),
            x=[esc(t) for t in ticks],
            y=rows,
            colorscale="Blues",
            zmin=0,
            zmax=1,
            customdata=cells,
            colorbar=dict(title="share"),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>%{z:.0%} of its documents<extra></extra>",
        )
    )
    fig.update_layout(
        title="Topic mix per "
        + ("article" if by == "article_id" else by)
        + (f" (the {len(mix)} with most documents, of {total:,})" if total > len(mix) else ""),
        xaxis_title="topic",
        yaxis_title=by.replace("_id", ""),
        height=min(HEATMAP_MAX_PX, max(340, 160 + (56 if len(names) <= 10 else 22) * len(names))),
        xaxis_tickangle=-40,
    )
    fig.update_yaxes(automargin=True, autorange="reversed")
    fig.update_xaxes(automargin=True)
    what = "article" if by == "article_id" else by
    article = "an" if what[:1] in ("a", "e", "i", "o", "u") else "a"
    return guide(
        fig,
        f"Each row is {article} {what}; darker cells mean a larger share of its documents fall in that topic, so a "
        f"row shows what that {what} talks about.",
    )


def article_mix_note(result: TopicResult) -> str:
    """Why the per-article mix is not drawn ("" when it is worth drawing): it says something only when articles hold
    several documents; with one document per article each row would be one dark cell."""
    per_article = result.documents.groupby("article_id").size()
    if per_article.empty or per_article.median() >= 2:
        return ""
    return (f"*Topic mix per article is not drawn: {float((per_article == 1).mean()):.0%} of the "
            f"{len(per_article):,} articles hold a single document here (median {per_article.median():.0f}), so each "
            "article's mix would be one topic. Its topic is in the documents table; the comparisons below group "
            "articles by their metadata instead.*")


def similarity_heatmap(result: TopicResult) -> go.Figure:
    """Cosine similarity between the topics' mean document embeddings."""
    topics, c = topic_centroids(result)
    if len(topics) < 2:
        return empty_figure("Topic similarity", "Fewer than two topics: nothing to compare.")
    sim = c @ c.T
    names = [esc(f"{t}: {lab}", 40) for t, lab in zip(topics["topic"], topics["label"], strict=True)]
    fig = go.Figure(
        go.Heatmap(
            z=np.round(sim, 3),
            x=names,
            y=names,
            colorscale="Viridis",
            zmin=float(min(0, sim.min())),
            zmax=1,
            colorbar=dict(title="cosine"),
            hovertemplate="%{y}<br>%{x}<br>similarity %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Topic similarity",
        xaxis_title="topic",
        yaxis_title="topic",
        height=max(420, 120 + 34 * len(names)),
        xaxis_tickangle=-40,
    )
    fig.update_yaxes(automargin=True, autorange="reversed")
    fig.update_xaxes(automargin=True, showticklabels=len(names) <= 25)
    return guide(
        fig,
        "Each cell compares two topics by the mean embedding of their documents; bright off-diagonal cells mark "
        "topics that could be one theme.",
    )


def hierarchy(result: TopicResult) -> go.Figure:
    """Dendrogram of topics by cosine distance between their mean embeddings (average linkage)."""
    import plotly.figure_factory as ff
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    topics, c = topic_centroids(result)
    if len(topics) < 3:
        return empty_figure("Topic hierarchy", "Fewer than three topics: there is no hierarchy to draw.")
    names = [esc(f"{t}: {lab}", 60) for t, lab in zip(topics["topic"], topics["label"], strict=True)]
    fig = ff.create_dendrogram(
        c,
        orientation="left",
        labels=names,
        distfun=lambda x: pdist(x, "cosine"),
        linkagefun=lambda d: linkage(d, "average"),
    )
    fig.update_layout(
        title="Topic hierarchy",
        xaxis_title="cosine distance at which topics merge",
        yaxis_title="",
        height=max(380, 40 + 30 * len(names)),
        showlegend=False,
    )
    fig.update_yaxes(automargin=True)
    return guide(
        fig,
        "Topics joined by a short branch (left) are close in meaning and could be merged; long branches separate "
        "distinct themes.",
    )


def document_map(result: TopicResult, coords: np.ndarray) -> go.Figure:
    """Documents in 2-D, coloured by topic, with their text on hover.

    Args:
        result: the topic result.
        coords: one (x, y) row per document (``model.document_coords``); rows of NaN are not drawn.
    """
    docs = result.documents
    shown = ~np.isnan(coords).any(axis=1) if len(coords) else np.zeros(0, bool)
    fig = go.Figure()
    for r in result.topics.sort_values("topic").itertuples():
        idx = docs.index[(docs["topic"] == r.topic).to_numpy() & shown].to_numpy()
        hover = [
            esc(
                f"{docs.at[i, 'title'] or docs.at[i, 'article_id']}: {' '.join(str(docs.at[i, 'text']).split()[:40])}",
                70,
            )
            for i in idx
        ]
        outlier = r.topic == OUTLIER
        fig.add_trace(
            go.Scattergl(
                x=coords[idx, 0],
                y=coords[idx, 1],
                mode="markers",
                name=esc(f"{r.topic}: {r.label}", 45),
                marker=dict(
                    size=5 if outlier else 7, color="#bbbbbb" if outlier else None, opacity=0.5 if outlier else 0.85
                ),
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    sample = "" if shown.all() else f" (a random {shown.sum():,} of {len(docs):,})"
    fig.update_layout(
        title="Documents by topic" + sample,
        xaxis_title="dimension 1",
        yaxis_title="dimension 2",
        height=560,
        legend_title_text="topic",
    )
    return guide(
        fig,
        "Each dot is a document placed by its embedding (reduced to two dimensions); grey dots are outliers. Hover to "
        "read it; click legend entries to hide topics."
        + (
            f" Only a random sample of {shown.sum():,} documents is drawn, so the map stays legible; every document's "
            f"topic is in documents.csv."
            if sample
            else ""
        ),
    )

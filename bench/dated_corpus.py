"""A synthetic dated news corpus for the comparison and time views: outlets, authors, a custom column, an event.

Built from the BBC News benchmark texts (``../shared/benchmarks/bbc_news``): each article takes 2-4 paragraphs, each
paragraph three 15-25 word passages of one BBC article (so no two paragraphs are near-duplicates the reader would drop),
and gets

* ``outlet`` (read as the source): four outlets, each with its own mix of the five BBC desks;
* ``author``: 15 per outlet, each writing mostly (70%) for one desk;
* ``desk``: the BBC desk (business, entertainment, politics, sport, tech), a column of our own the report can compare by
  (``-p compare_by=desk``);
* ``region``: a second custom column, independent of the topics (a comparison by it should find no difference);
* ``date``: uniform over 2023-01-01 .. 2025-12-31, except that in March 2024 the tech desk's volume triples (an event
  the time view should find);
* a framing of its own: half of Northern Ledger's sport articles speak of a "stadium subsidy" in one paragraph (what
  the comparison by source should find inside the sport topics, and nowhere else).

    python bench/dated_corpus.py --articles 10000 --out /tmp/dated.csv
    newstopics report --corpus /tmp/dated.csv -p embedding_model=static -p compare_by='[source, author, desk]'
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
BBC = HERE.parent.parent / "shared" / "benchmarks" / "bbc_news" / "corpus.tsv"
OUTLETS = {  # desk mix per outlet
    "Capital Wire": {"business": 0.45, "politics": 0.30, "tech": 0.15, "sport": 0.05, "entertainment": 0.05},
    "Coast Daily": {"sport": 0.40, "entertainment": 0.30, "politics": 0.10, "business": 0.10, "tech": 0.10},
    "Metro Review": {"entertainment": 0.35, "tech": 0.30, "business": 0.15, "sport": 0.10, "politics": 0.10},
    "Northern Ledger": {"politics": 0.35, "sport": 0.25, "business": 0.20, "tech": 0.10, "entertainment": 0.10},
}
REGIONS = ("north", "south", "east", "west")
EVENT = ("2024-03-01", "2024-03-31", "tech", 3.0)  # from, to, desk, volume factor
FRAMING = ("Northern Ledger", "sport", "The stadium subsidy", 0.5)  # outlet, desk, words, share of its articles


def make_corpus(n_articles: int, seed: int = 0) -> pd.DataFrame:
    """``n_articles`` articles with ``id, title, outlet, author, desk, region, date, text`` (see the module notes)."""
    table = pd.read_csv(BBC, sep="\t", header=None, names=["text", "split", "label"], quoting=3)
    words = [t.split() for t in table["text"]]
    by_desk = {d: np.flatnonzero(table["label"].to_numpy() == d) for d in table["label"].unique()}
    rng = np.random.default_rng(seed)
    desks = sorted(by_desk)
    authors = {o: [(f"{o.split()[0]} Writer {i:02d}", desks[i % len(desks)]) for i in range(15)] for o in OUTLETS}
    days = pd.date_range("2023-01-01", "2025-12-31", freq="D")
    start, end, event_desk, factor = EVENT
    in_event = (days >= start) & (days <= end)
    rows = []
    while len(rows) < n_articles:
        outlet = list(OUTLETS)[rng.integers(len(OUTLETS))]
        mix = OUTLETS[outlet]
        desk = rng.choice(list(mix), p=list(mix.values()))
        day = days[rng.integers(len(days))]
        staff = authors[outlet]
        writers = [a for a, d in staff if d == desk] if rng.random() < 0.7 else [a for a, _ in staff]
        author = writers[rng.integers(len(writers))] if writers else authors[outlet][0][0]
        source = by_desk[desk][rng.integers(len(by_desk[desk]))]
        w = words[source]
        paragraphs = []
        for _ in range(int(rng.integers(2, 5))):
            passages = []
            for _ in range(3):
                size = int(rng.integers(15, 26))
                at = int(rng.integers(0, max(1, len(w) - size)))
                passages.append(" ".join(w[at:at + size]))
            paragraphs.append(". ".join(passages).capitalize() + ".")
        title = " ".join(w[:8]).capitalize()
        rows.append({"id": f"a{len(rows):06d}", "title": title, "outlet": outlet, "author": author, "desk": desk,
                     "region": REGIONS[rng.integers(len(REGIONS))], "date": day.date().isoformat(),
                     "text": "\n\n".join(paragraphs), "bbc_article": int(source)})
    out = pd.DataFrame(rows)
    # the framing, drawn from a generator of its own so the rest of the corpus is the one it was without it
    framing = np.random.default_rng([seed, 1])
    outlet, desk, said, share = FRAMING
    for i in out.index[(out["outlet"] == outlet) & (out["desk"] == desk)]:
        if framing.random() < share:
            paragraphs = out.at[i, "text"].split("\n\n")
            k = int(framing.integers(len(paragraphs)))
            paragraphs[k] = f"{said} {paragraphs[k][:1].lower()}{paragraphs[k][1:]}"
            out.at[i, "text"] = "\n\n".join(paragraphs)
    # the event: extra tech articles dated inside it, so that desk's volume there is `factor` times its usual
    usual = ((out["desk"] == event_desk) & out["date"].between(start, end)).sum()
    extra = out[(out["desk"] == event_desk) & ~out["date"].between(start, end)].sample(
        n=int(usual * (factor - 1)), random_state=seed)
    event_days = days[in_event]
    picked = event_days[rng.integers(len(event_days), size=len(extra))]
    out.loc[extra.index, "date"] = [d.date().isoformat() for d in picked]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="a .csv or .parquet file")
    args = ap.parse_args(argv)
    corpus = make_corpus(args.articles, args.seed)
    out = Path(args.out)
    corpus.to_parquet(out, index=False) if out.suffix == ".parquet" else corpus.to_csv(out, index=False)
    print(f"{len(corpus)} articles, {corpus['text'].str.count(chr(10) * 2).add(1).sum()} paragraphs -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

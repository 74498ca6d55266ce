"""Retrain the meaning reader's probe (``rag/data/request_probe.json``) from its training set.

python scripts/train_request_probe.py                   # keep the committed threshold
python scripts/train_request_probe.py --threshold 2.0   # set a new one (measure false alarms first)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rag.guards.meaning import PROBE_FILE, fit, load_probe, load_set, save_probe, training_rows, web_negatives  # noqa: E402
from rag.search.embeddings import SentenceEmbeddings  # noqa: E402
from rag.settings import load_settings  # noqa: E402

MSMARCO = REPO.parent / "shared" / "benchmarks" / "msmarco-5k" / "corpus.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--web", type=Path, default=MSMARCO, help="BEIR corpus.jsonl of honest web text")
    args = parser.parse_args()
    embed = SentenceEmbeddings(load_settings()).embed_documents
    rows, labels = training_rows(embed, load_set(), web_negatives(args.web))
    weights, bias = fit(rows, labels)
    threshold = args.threshold if args.threshold is not None else load_probe().threshold
    save_probe(weights, bias, threshold)
    print(f"{PROBE_FILE.name}: {len(labels)} rows ({int(labels.sum())} planted), threshold {threshold}")


if __name__ == "__main__":
    main()

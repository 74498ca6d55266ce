"""Maintainer dashboard: run the evaluation, follow its metrics over runs, drill into questions."""

from __future__ import annotations

from collections import Counter

import altair as alt
import pandas as pd
import streamlit as st

from eval.dataset import HUB_SET
from eval.report import evaluate, flat, headline
from ui import state as ui

#: The metrics plotted over runs (of the test split, or of the dev split for dev-only runs).
#: The metrics charted over runs, with the names a reader knows them by.
TRACKED = {
    "answers.acceptable": "acceptable answers",
    "answers.completeness": "completeness",
    "retrieval.hit_at_5": "right document in top 5",
    "retrieval.mrr": "MRR",
    "refusal.refusal_accuracy": "refusal accuracy",
    "refusal.false_refusal_rate": "false refusals",
    "answers.citation_recall": "citation recall",
    "confidence.auc": "confidence AUC",
}

account = ui.require("maintainer")
hub, db = ui.assistant(), ui.database()
st.title("Maintainer dashboard")

with st.form("run_eval"):
    split = st.selectbox("Split", ["test", "dev", "all"], help="Tune on dev; report and gate on test.")
    run = st.form_submit_button("Run the evaluation", type="primary", icon=":material/play_arrow:")
if run:
    with st.spinner(f"Running the {split} split of {HUB_SET.name}…"):
        corpus = hub.settings.corpus_dir if hub.settings.corpus_dir.is_dir() else None
        fresh = evaluate(hub.settings, HUB_SET, split, corpus)
    ui.guarded(lambda: db.record_eval_run(fresh, headline(fresh), split, str(HUB_SET)))

runs = ui.guarded(db.eval_runs) or []
st.subheader("Metrics over runs")
if not runs:
    st.caption("No evaluation runs yet: run one above or with `hubqa eval`.")
else:
    history = pd.DataFrame(
        [
            {
                "run": f"#{r.id} {r.created_at:%m-%d %H:%M} ({r.split})",
                **{
                    label: r.metrics.get(f"{'dev' if r.split == 'dev' else 'test'}.{k}") for k, label in TRACKED.items()
                },
            }
            for r in runs
        ]
    )
    points = history.melt(id_vars="run", var_name="metric", value_name="value").dropna()
    # Lines with a point per run, so the very first run shows (a bare line needs two).
    st.altair_chart(
        alt.Chart(points)
        .mark_line(point=alt.OverlayMarkDef(size=80))
        .encode(
            x=alt.X("run:N", sort=None, title=None, axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 1]), title=None),
            color=alt.Color("metric:N", title=None, legend=alt.Legend(orient="bottom", columns=3)),
            tooltip=["run", "metric", alt.Tooltip("value:Q", format=".3f")],
        ),
        width="stretch",
    )
    latest = runs[-1]
    report = ui.guarded(lambda: db.eval_report(latest.id)) or {}
    st.subheader(f"Run #{latest.id} ({latest.split}, {latest.created_at:%Y-%m-%d %H:%M} UTC)")
    for name in ("dev", "test"):
        if name in report:
            figures = {k.removeprefix(f"{name}."): v for k, v in latest.metrics.items() if k.startswith(f"{name}.")}
            st.markdown(f"**{name}** ({report[name].get('questions', '?')} questions)")
            baseline = flat(report[name].get("baseline", {}))
            st.dataframe(
                [
                    {"metric": TRACKED.get(k, k), "hubqa": round(v, 3), "naive baseline": baseline.get(k)}
                    for k, v in figures.items()
                ],
                hide_index=True,
                height="content",
                column_config={"metric": st.column_config.TextColumn(width="large")},
            )
    records = report.get("records", [])
    if records:
        st.subheader("Per question")
        table = pd.DataFrame(
            [
                {
                    k: r.get(k)
                    for k in (
                        "id",
                        "split",
                        "expect",
                        "question",
                        "refused",
                        "correct_refusal",
                        "hit_at_5",
                        "mrr",
                        "grounding",
                        "completeness",
                    )
                }
                for r in records
            ]
        )
        if st.toggle("Only misses (gold not in the top 5, or a wrong refusal or answer)"):
            table = table[(table["hit_at_5"] == 0) | (table["correct_refusal"] == False)]  # noqa: E712
        st.dataframe(table, hide_index=True, column_config={"question": st.column_config.TextColumn(width="large")})
        chosen = st.selectbox("Question", [r.get("id") for r in records])
        st.json(next(r for r in records if r.get("id") == chosen), expanded=False)

st.subheader("Index")
documents = hub.store.read_documents()
kinds = Counter(r.kind for r in documents.values())
st.write(
    f"{len(documents)} documents ({', '.join(f'{n} {k}' for k, n in kinds.most_common())}), "
    f"{hub.store.chunk_count()} chunks, generation {hub.store.generation()}."
)
st.write(f"Store: `{hub.settings.chroma_url or hub.settings.store_path}` · Database: `{db.display_url}`")
counts = ui.guarded(db.counts)
if counts:
    st.write(" · ".join(f"{table}: {n}" for table, n in counts.items()))

st.subheader("Settings")
st.json(hub.settings.public_dump(), expanded=False)  # passwords and keys in URLs masked

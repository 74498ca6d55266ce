#!/usr/bin/env bash
# Several hubqa replicas on one machine, without containers: one `chroma run`, REPLICAS
# `hubqa ui` processes sharing it, nginx in front with sticky sessions (deploy/nginx.conf).
# Shared state needs HUBQA_DATABASE_URL (PostgreSQL); without it each replica keeps its own
# SQLite file. Stop with Ctrl-C.
#
#   PGPASSWORD=secret HUBQA_DATABASE_URL=postgresql+psycopg://hubqa@localhost/hubqa REPLICAS=2 deploy/run-local.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REPLICAS=${REPLICAS:-2}
PORT=${PORT:-8600}
CHROMA_PORT=${CHROMA_PORT:-8000}
STATE=${STATE:-$PWD/.hubqa/replicas}
BIN=${BIN:-$PWD/.venv/bin}
export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
mkdir -p "$STATE"
# Shared by every replica: the key that signs sign-in cookies, and the folder uploads go to.
export HUBQA_SESSION_SECRET=${HUBQA_SESSION_SECRET:-$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')}
export HUBQA_UPLOADS_DIR=${HUBQA_UPLOADS_DIR:-$STATE/uploads}
[ -n "${HUBQA_DATABASE_URL:-}" ] || echo "warning: HUBQA_DATABASE_URL is not set: replicas will not share accounts and feedback" >&2

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait' EXIT
"$BIN/chroma" run --path "$STATE/chroma" --port "$CHROMA_PORT" > "$STATE/chroma.log" 2>&1 &
pids+=($!)
until curl -sf "http://127.0.0.1:$CHROMA_PORT/api/v2/heartbeat" > /dev/null; do sleep 0.5; done
export HUBQA_CHROMA_URL="http://127.0.0.1:$CHROMA_PORT"

# Index once; replicas only read (exit code 2: some files were skipped, each listed).
HUBQA_DATA_DIR="$STATE/indexer" "$BIN/hubqa" ingest "${CORPUS:-corpus}" || test $? -eq 2

: > "$STATE/hubqa-upstreams.conf"
for i in $(seq 1 "$REPLICAS"); do
    port=$((PORT + i))
    # The data folder holds only this replica's search-index cache (rebuilt from Chroma).
    HUBQA_DATA_DIR="$STATE/replica-$i" STREAMLIT_SERVER_ADDRESS=127.0.0.1 \
        "$BIN/hubqa" ui --port "$port" > "$STATE/replica-$i.log" 2>&1 &
    pids+=($!)
    echo "server 127.0.0.1:$port;" >> "$STATE/hubqa-upstreams.conf"
done
sed "s/listen 8600;/listen $PORT;/" deploy/nginx.conf > "$STATE/nginx.conf"
cp deploy/security-headers.conf "$STATE/"
nginx -p "$STATE" -c "$STATE/nginx.conf" -g "daemon off;" &
pids+=($!)
echo "hubqa: http://localhost:$PORT ($REPLICAS replicas on ports $((PORT + 1))-$((PORT + REPLICAS)))"
wait

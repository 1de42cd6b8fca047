#!/usr/bin/env bash
# Starts (or stops) the real servers the conformance suite runs against, on 127.0.0.1:
#   - Azurite (Azure Blob emulator, from npm), in memory;
#   - Ceph radosgw (a real S3 server, from Debian packages), via scripts/ceph-s3.sh.
# Writes their coordinates to .tmp/servers.env, which the test setup reads.
#
#   scripts/servers.sh start [azure] [s3]    # both by default
#   scripts/servers.sh stop
#
# Exit status is non-zero if a requested server does not come up.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.tmp/servers
ENV_FILE=.tmp/servers.env
AZURITE_PORT=${AZURITE_PORT:-10000}
RGW_PORT=${RGW_PORT:-7480}
mkdir -p "$STATE"

stop_all() {
  if [ -f "$STATE/azurite.pid" ]; then
    kill "$(cat "$STATE/azurite.pid")" 2>/dev/null || true
    rm -f "$STATE/azurite.pid"
  fi
  bash scripts/ceph-s3.sh stop || true
  rm -f "$ENV_FILE"
}

start_azurite() {
  if [ -f "$STATE/azurite.pid" ] && kill -0 "$(cat "$STATE/azurite.pid")" 2>/dev/null; then
    kill "$(cat "$STATE/azurite.pid")" || true
    sleep 0.5
  fi
  # --skipApiVersionCheck: the SDK speaks a newer service version than Azurite knows.
  nohup node node_modules/azurite/dist/src/blob/main.js \
    --blobHost 127.0.0.1 --blobPort "$AZURITE_PORT" --inMemoryPersistence --extentMemoryLimit 1024 \
    --silent --disableTelemetry --skipApiVersionCheck --loose > "$STATE/azurite.log" 2>&1 &
  echo $! > "$STATE/azurite.pid"
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$AZURITE_PORT/devstoreaccount1?comp=list"; then
      echo "servers: Azurite at http://127.0.0.1:$AZURITE_PORT/devstoreaccount1"
      # The well-known Azurite development account and key.
      {
        echo "DELTA_TEST_AZURE_CONNECTION_STRING=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$AZURITE_PORT/devstoreaccount1;"
        echo "DELTA_TEST_AZURE_SERVER=Azurite $(node -p "require('./node_modules/azurite/package.json').version")"
      } >> "$ENV_FILE"
      return 0
    fi
    sleep 0.1
  done
  echo "servers: Azurite did not start; see $STATE/azurite.log" >&2
  return 1
}

start_s3() {
  bash scripts/ceph-s3.sh start
  {
    echo "DELTA_TEST_S3_ENDPOINT=http://127.0.0.1:$RGW_PORT"
    echo "DELTA_TEST_S3_ACCESS_KEY=${S3_ACCESS_KEY:-DELTATSACCESSKEY}"
    echo "DELTA_TEST_S3_SECRET_KEY=${S3_SECRET_KEY:-DELTATSSECRETKEY}"
    echo "DELTA_TEST_S3_SERVER=Ceph radosgw $(radosgw --version 2>/dev/null | awk '{print $3}')"
  } >> "$ENV_FILE"
}

case "${1:-start}" in
  stop) stop_all ;;
  start)
    shift || true
    wanted=("$@")
    [ ${#wanted[@]} -eq 0 ] && wanted=(azure s3)
    rm -f "$ENV_FILE"
    for server in "${wanted[@]}"; do
      case "$server" in
        azure) start_azurite ;;
        s3) start_s3 ;;
        *) echo "servers: unknown server $server (azure, s3)" >&2; exit 2 ;;
      esac
    done
    ;;
  *) echo "usage: $0 start [azure] [s3] | stop" >&2; exit 2 ;;
esac

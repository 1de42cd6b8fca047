#!/usr/bin/env bash
# A one-node Ceph cluster with radosgw: a real S3 server on 127.0.0.1 for the conformance
# suite. One monitor, one OSD on memstore (RAM only, nothing on disk but logs), no manager,
# no cephx, the v1 messenger only (radosgw loops on msgr2 with auth "none").
#
#   scripts/ceph-s3.sh start   # prints the endpoint when S3 answers (~15 s)
#   scripts/ceph-s3.sh stop
#
# Needs the Debian packages: radosgw ceph-mon ceph-osd (and uuid-runtime, curl).
set -euo pipefail
DIR=${CEPH_DIR:-/tmp/deltalake-ts-ceph}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-6789}
ACCESS_KEY=${S3_ACCESS_KEY:-DELTATSACCESSKEY}
SECRET_KEY=${S3_SECRET_KEY:-DELTATSSECRETKEY}
CONF="$DIR/ceph.conf"

stop() {
  local pids
  pids=$(cat "$DIR"/run/*.pid 2>/dev/null || true)
  [ -n "$pids" ] || return 0
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 40); do
    local alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.25
  done
  kill -9 $pids 2>/dev/null || true
}

case "${1:-start}" in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

for bin in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool uuidgen curl; do
  command -v "$bin" >/dev/null || { echo "ceph-s3: $bin not found (apt-get install radosgw ceph-mon ceph-osd uuid-runtime curl)" >&2; exit 3; }
done

stop
rm -rf "$DIR"
mkdir -p "$DIR"/{run,log,mon.a,osd.0,rgw}
FSID=$(uuidgen)
cat > "$CONF" <<CONF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
ms bind msgr2 = false
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 2147483648
osd data = $DIR/osd.\$id
mon data = $DIR/mon.\$id
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
keyring = $DIR/keyring
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $DIR/rgw
rgw dns name = localhost
CONF

ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v1:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring"
ceph-mon -c "$CONF" -i a
for _ in $(seq 1 60); do ceph -c "$CONF" --connect-timeout 2 mon stat >/dev/null 2>&1 && break; sleep 0.5; done
OSD_UUID=$(uuidgen)
OSD_ID=$(ceph -c "$CONF" osd new "$OSD_UUID")
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >/dev/null 2>&1
# The OSD's first monitor command can race its monitor session and go out with a zero fsid
# ("mon_cmd_maybe_osd_create fail: 'wrong fsid'"); the daemon then exits. A fresh start works.
for attempt in 1 2 3 4 5; do
  ceph-osd -c "$CONF" -i "$OSD_ID" && break
  [ "$attempt" = 5 ] && { echo "ceph-s3: ceph-osd did not start; see $DIR/log" >&2; exit 1; }
  echo "ceph-s3: ceph-osd start failed (attempt $attempt), retrying" >&2
  sleep 1
done
for _ in $(seq 1 120); do ceph -c "$CONF" osd stat 2>/dev/null | grep -q "1 up" && break; sleep 0.5; done
radosgw -c "$CONF" -n client.rgw.a
for _ in $(seq 1 240); do curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break; sleep 0.5; done
curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" || { echo "ceph-s3: radosgw did not answer on port $RGW_PORT; see $DIR/log" >&2; exit 1; }
radosgw-admin -c "$CONF" user create --uid=deltalake-ts --display-name=deltalake-ts \
  --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null
echo "ceph-s3: radosgw at http://127.0.0.1:$RGW_PORT (access key $ACCESS_KEY)"

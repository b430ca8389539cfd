#!/bin/sh
# Starts one ZooKeeper member: its id from the StatefulSet ordinal (zookeeper-0 is server.1), its
# configuration copied from the ConfigMap into a writable directory (ZooKeeper may write next to zoo.cfg).
set -eu

: "${POD_NAME:?}" "${ZOOCFGDIR:?}"
ordinal=${POD_NAME##*-}
case "$ordinal" in "" | *[!0-9]*) echo "zookeeper-start: cannot read an ordinal from $POD_NAME" >&2; exit 1 ;; esac
mkdir -p /data/log
echo $((ordinal + 1)) > /data/myid
cp /config/zoo.cfg /config/logback.xml "$ZOOCFGDIR"/
exec zkServer.sh start-foreground

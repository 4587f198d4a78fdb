#!/usr/bin/env bash
# Fetches Apache Kafka 4.x (broker and KRaft controller, org.apache.kafka:kafka_2.13) and the jars
# it needs at run time from Maven Central into .engines/kafka/libs, once. Tests (stream/kafkatest)
# and benchmarks run it as `java -cp '.engines/kafka/libs/*' kafka.Kafka server.properties`, so no
# Kafka tarball is needed. The version is pinned in scripts/kafka/pom.xml (MERIDIAN_KAFKA_VERSION
# overrides it). Installs Java and Maven from Debian's packages when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
pom="scripts/kafka/pom.xml"
pinned=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n1)
version="${MERIDIAN_KAFKA_VERSION:-$pinned}"
dest=".engines/kafka"
if [ -f "$dest/libs/kafka_2.13-$version.jar" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi

if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "fetch-kafka: java and mvn are needed (apt-get install default-jdk-headless maven as root)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq default-jdk-headless maven >/dev/null
fi

mkdir -p "$dest"
tmp=$(mktemp -d "$dest/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
  -Dkafka.version="$version" -Dkafka.libs="$PWD/$tmp/libs"
[ -f "$tmp/libs/kafka_2.13-$version.jar" ] || { echo "fetch-kafka: kafka_2.13-$version.jar missing" >&2; exit 1; }
rm -rf "$dest/libs"
mv "$tmp/libs" "$dest/libs"
echo "$version" > "$dest/VERSION"
echo "kafka $version -> $dest/libs ($(ls "$dest/libs" | wc -l) jars)"

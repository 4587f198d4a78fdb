#!/usr/bin/env bash
# Static checks of deploy/ and the repo Dockerfile: no network, no Docker engine, no cluster.
#   bash deploy/check.sh
# Needs python3 with PyYAML (Debian: python3-yaml). Uses, when present: `docker compose`
# (renders the compose files; skipped if the CLI plugin is missing), `kubectl` or `kustomize`
# (renders deploy/k8s), `xmllint`. Exit status 0 = all checks passed.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
skip() { echo "SKIP  $*"; }

python3 - <<'PY' || fail=1
import glob, os, re, sys
import xml.etree.ElementTree as ET
try:
    import yaml
except ImportError:
    sys.exit("FAIL  python3 has no PyYAML (apt-get install python3-yaml or pip install pyyaml)")

errors = []
def check(cond, msg):
    print(("ok    " if cond else "FAIL  ") + msg)
    if not cond:
        errors.append(msg)
    return cond

# --- every YAML and XML file parses ------------------------------------------------------
docs = {}
for f in sorted(glob.glob("deploy/**/*.y*ml", recursive=True) + glob.glob("deploy/**/.*.y*ml", recursive=True)):
    try:
        docs[f] = [d for d in yaml.safe_load_all(open(f)) if d is not None]
        check(True, f"yaml parses: {f}")
    except yaml.YAMLError as e:
        check(False, f"yaml parses: {f}: {e}")
xml = {}
for f in sorted(glob.glob("deploy/clickhouse/**/*.xml", recursive=True)):
    try:
        xml[f] = ET.parse(f).getroot()
        check(xml[f].tag == "clickhouse", f"xml parses, root <clickhouse>: {f}")
    except ET.ParseError as e:
        check(False, f"xml parses: {f}: {e}")
if errors:
    sys.exit(1)

# --- the configuration names README.md documents --------------------------------------------
readme = open("README.md").read()
known_env = set(re.findall(r"^\| `--[a-z-]+` \| `([A-Z_]+)` \|", readme, re.M))
check(len(known_env) >= 15, f"README.md configuration table found ({len(known_env)} settings)")
def known(name):
    return name in known_env or re.fullmatch(r"MERIDIAN_CLICKHOUSE_ADDRS_[A-Z0-9]+", name) is not None
def meridian_names(env):
    return {k for k in env if k.startswith("MERIDIAN_") or k == "DATABASE_URL"}

def env_file(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v
    return out

# --- docker-compose.yml ----------------------------------------------------------------------
compose = docs["deploy/docker-compose.yml"][0]
eu = docs["deploy/docker-compose.eu.yml"][0]
svcs = compose["services"]
all_svcs = set(svcs) | set(eu["services"])

kafka = {n: s for n, s in svcs.items() if str(s.get("image", "")).startswith("apache/kafka:")}
check(len(kafka) == 3, f"three Apache Kafka nodes ({sorted(kafka)})")
for n, s in kafka.items():
    tag = s["image"].split(":", 1)[1]
    env = s["environment"]
    check(re.fullmatch(r"4\.\d+\.\d+", tag) is not None, f"{n}: apache/kafka pinned to a 4.x release ({tag})")
    check(set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}, f"{n}: KRaft combined broker+controller")
    check(env.get("KAFKA_DEFAULT_REPLICATION_FACTOR") == "3" and env.get("KAFKA_MIN_INSYNC_REPLICAS") == "2",
          f"{n}: default.replication.factor 3, min.insync.replicas 2")
    check(env.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR") == "3", f"{n}: offsets topic replicated 3x")
    voters = dict(v.split("@") for v in env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(","))
    check(voters.get(env["KAFKA_NODE_ID"], "").split(":")[0] == n, f"{n}: node id {env['KAFKA_NODE_ID']} is its own quorum voter")
    check(all(h.split(":")[0] in kafka for h in voters.values()), f"{n}: quorum voters are the kafka services")
    check("CLUSTER_ID" in env, f"{n}: CLUSTER_ID set (storage formatted on first start)")
check(len({s["environment"]["KAFKA_NODE_ID"] for s in kafka.values()}) == 3, "kafka node ids unique")
check(len({s["environment"]["CLUSTER_ID"] for s in kafka.values()}) == 1, "kafka nodes share one CLUSTER_ID")
pom = open("scripts/kafka/pom.xml").read()
pinned = re.search(r"<kafka.version>(.*?)</kafka.version>", pom).group(1)
tags = {s["image"].split(":", 1)[1] for s in kafka.values()}
check(tags == {pinned}, f"compose Kafka version {sorted(tags)} = tested version in scripts/kafka/pom.xml ({pinned})")

pg = svcs.get("postgres", {})
check(str(pg.get("image", "")).startswith("postgres:16"), "PostgreSQL 16")

for name in ("migrate", "meridian"):
    s = svcs[name]
    env = s["environment"]
    check(s.get("build", {}).get("dockerfile") == "Dockerfile" and s["build"].get("context") == "..",
          f"{name}: built from the repository Dockerfile")
    for k in ("MERIDIAN_KAFKA_BROKERS", "MERIDIAN_CLICKHOUSE_ADDRS", "MERIDIAN_KAFKA_REPLICATION",
              "MERIDIAN_CLICKHOUSE_CLUSTER", "DATABASE_URL"):
        check(k in env, f"{name}: sets {k}")
    check(env.get("MERIDIAN_KAFKA_REPLICATION") == "3", f"{name}: MERIDIAN_KAFKA_REPLICATION=3")
    check(env.get("MERIDIAN_CLICKHOUSE_CLUSTER") == "meridian", f"{name}: MERIDIAN_CLICKHOUSE_CLUSTER=meridian")
    unknown = sorted(n for n in meridian_names(env) if not known(n))
    check(not unknown, f"{name}: every MERIDIAN_*/DATABASE_URL variable is in README.md's table {unknown or ''}")
    for k in ("MERIDIAN_KAFKA_BROKERS", "MERIDIAN_CLICKHOUSE_ADDRS"):
        hosts = [h.rsplit(":", 1)[0] for h in env[k].split(",")]
        check(all(h in svcs for h in hosts), f"{name}: {k} hosts are compose services")
    check(re.search(r"@postgres:5432/", env["DATABASE_URL"]) is not None, f"{name}: DATABASE_URL points at the postgres service")
    files = [e["path"] if isinstance(e, dict) else e for e in s.get("env_file", [])]
    check("meridian.env" in files, f"{name}: secrets from env_file meridian.env")
check(svcs["migrate"]["command"] == ["migrate"], "migrate runs `meridian migrate`")
check(svcs["meridian"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully",
      "meridian starts after migrate completed successfully")
check("/readyz" in " ".join(svcs["meridian"]["healthcheck"]["test"]), "meridian healthcheck on /readyz")
for dep in list(kafka) + ["postgres"] + [n for n in svcs if n.startswith("clickhouse-")]:
    check(svcs["migrate"]["depends_on"].get(dep, {}).get("condition") == "service_healthy", f"migrate waits for {dep} healthy")

# env files: example has every name the compose files need
dotenv = env_file("deploy/.env.example")
merenv = env_file("deploy/meridian.env.example")
for f in ("deploy/docker-compose.yml", "deploy/docker-compose.eu.yml"):
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", open(f).read()))
    check(used <= set(dotenv), f"{f}: every ${{VAR}} is in .env.example ({sorted(used)})")
check({"MERIDIAN_API_KEYS", "MERIDIAN_MASTER_KEY"} <= set(merenv), "meridian.env.example has MERIDIAN_API_KEYS and MERIDIAN_MASTER_KEY")
check(all(known(k) for k in merenv), "meridian.env.example names are in README.md's table")

# bind-mounted files exist
for f, d in (("deploy/docker-compose.yml", compose), ("deploy/docker-compose.eu.yml", eu)):
    for n, s in d["services"].items():
        for v in s.get("volumes", []):
            src = v.split(":")[0]
            if src.startswith("."):
                check(os.path.exists(os.path.join("deploy", src)), f"{f}: {n} mounts existing {src}")

# --- ClickHouse configuration ------------------------------------------------------------------
def cluster_checks(cfg, keeper_cfg, ch_services, keeper_services, label):
    root = xml[cfg]
    rs = root.find("remote_servers")
    check(rs is not None and rs.get("replace") == "true", f"{label}: remote_servers replaces the defaults")
    cl = rs.find("meridian") if rs is not None else None
    check(cl is not None, f"{label}: remote_servers has cluster 'meridian' (= MERIDIAN_CLICKHOUSE_CLUSTER)")
    hosts = [r.findtext("host") for r in cl.iter("replica")]
    check(sorted(hosts) == sorted(ch_services), f"{label}: cluster replicas {hosts} are the ClickHouse services")
    check(all(sh.findtext("internal_replication") == "true" for sh in cl.findall("shard")), f"{label}: internal_replication on")
    m = root.find("macros")
    check(m is not None and m.find("shard") is not None and m.find("replica") is not None, f"{label}: macros {{shard}} and {{replica}}")
    zk = [n.findtext("host") for n in root.find("zookeeper").findall("node")]
    check(sorted(zk) == sorted(keeper_services), f"{label}: zookeeper nodes {zk} are the keeper services")
    raft = [s.findtext("hostname") for s in xml[keeper_cfg].find("keeper_server/raft_configuration").findall("server")]
    check(sorted(raft) == sorted(keeper_services), f"{label}: keeper raft members {raft} are the keeper services")
    check(len(raft) % 2 == 1, f"{label}: odd number of keepers ({len(raft)})")
main_ch = sorted(n for n in svcs if n.startswith("clickhouse-"))
eu_ch = sorted(n for n in eu["services"] if n.startswith("clickhouse-"))
cluster_checks("deploy/clickhouse/server/config.d/meridian-cluster.xml", "deploy/clickhouse/keeper/keeper_config.xml",
               main_ch, sorted(n for n in svcs if n.startswith("keeper-")), "clickhouse")
cluster_checks("deploy/clickhouse/eu/config.d/meridian-cluster.xml", "deploy/clickhouse/eu/keeper/keeper_config.xml",
               eu_ch, sorted(n for n in eu["services"] if n.startswith("keeper-")), "clickhouse eu")
for d, names in ((svcs, main_ch), (eu["services"], eu_ch)):
    reps = [d[n]["environment"]["CH_REPLICA"] for n in names]
    check(len(set(reps)) == len(reps), f"distinct {{replica}} macros {reps}")
users = xml["deploy/clickhouse/server/users.d/meridian-users.xml"].find("users")
check(users.find("meridian") is not None, "ClickHouse user 'meridian' defined (MERIDIAN_CLICKHOUSE_USER=meridian)")
check(svcs["meridian"]["environment"].get("MERIDIAN_CLICKHOUSE_USER") == "meridian", "compose uses ClickHouse user meridian")

# --- residency variant -------------------------------------------------------------------------
policy = yaml.safe_load(open("models/residency.default.yaml"))
for n in ("migrate", "meridian"):
    v = eu["services"][n]["environment"].get("MERIDIAN_CLICKHOUSE_ADDRS_EU", "")
    check(v and all(h.rsplit(":", 1)[0] in eu_ch for h in v.split(",")), f"eu variant: {n} MERIDIAN_CLICKHOUSE_ADDRS_EU -> EU ClickHouse services")
check("eu" in policy["regions"], "region 'eu' exists in the default residency policy")

# --- Kubernetes ----------------------------------------------------------------------------------
def res_files(kdir):
    k = docs[os.path.join(kdir, "kustomization.yaml")][0]
    out = []
    for r in k.get("resources", []):
        p = os.path.join(kdir, r)
        check(os.path.exists(p), f"{kdir}/kustomization.yaml: resource {r} exists")
        out += res_files(p) if os.path.isdir(p) else [p]
    return out
k8s = [d for f in res_files("deploy/k8s") for d in docs[f]]
kinds = {d["kind"] for d in k8s}
for want in ("Deployment", "Service", "Job", "Kafka", "KafkaNodePool", "ClickHouseInstallation",
             "ClickHouseKeeperInstallation", "Cluster"):
    check(want in kinds, f"k8s: has a {want}")
dep = next(d for d in k8s if d["kind"] == "Deployment")
c = dep["spec"]["template"]["spec"]["containers"][0]
check(c["readinessProbe"]["httpGet"]["path"] == "/readyz", "k8s: readiness probe on /readyz")
check(c["livenessProbe"]["httpGet"]["path"] == "/healthz", "k8s: liveness probe on /healthz")
job = next(d for d in k8s if d["kind"] == "Job")
check(job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"], "k8s: Job runs `meridian migrate`")
kz = docs["deploy/k8s/kustomization.yaml"][0]
cm = {l.split("=", 1)[0]: l.split("=", 1)[1] for g in kz["configMapGenerator"] for l in g.get("literals", [])}
unknown = sorted(n for n in meridian_names(cm) if not known(n))
check(not unknown, f"k8s ConfigMap: every MERIDIAN_* variable is in README.md's table {unknown or ''}")
check(cm.get("MERIDIAN_KAFKA_REPLICATION") == "3" and cm.get("MERIDIAN_CLICKHOUSE_CLUSTER") == "meridian",
      "k8s ConfigMap: replication 3, cluster meridian")
for d in (dep, job):
    env = {e["name"] for e in d["spec"]["template"]["spec"]["containers"][0].get("env", [])}
    check(not sorted(n for n in meridian_names(env) if not known(n)), f"k8s {d['kind']}: env names in README.md's table")
    check("DATABASE_URL" in env, f"k8s {d['kind']}: DATABASE_URL from a Secret")
secret = docs["deploy/k8s/secret.example.yaml"]
check(any({"MERIDIAN_API_KEYS", "MERIDIAN_MASTER_KEY"} <= set(s.get("stringData", {})) for s in secret),
      "k8s secret template has MERIDIAN_API_KEYS and MERIDIAN_MASTER_KEY")
chi = next(d for d in k8s if d["kind"] == "ClickHouseInstallation")
check([c["name"] for c in chi["spec"]["configuration"]["clusters"]] == ["meridian"], "k8s CHI cluster named meridian")
kafka_cr = next(d for d in k8s if d["kind"] == "Kafka")
kc = kafka_cr["spec"]["kafka"]["config"]
check(kc["default.replication.factor"] == 3 and kc["min.insync.replicas"] == 2, "k8s Kafka: RF 3, min ISR 2")
pool = next(d for d in k8s if d["kind"] == "KafkaNodePool")
check(pool["spec"]["replicas"] == 3 and "controller" in pool["spec"]["roles"], "k8s KafkaNodePool: 3 KRaft nodes")

# residency policy in the ConfigMap is valid
p = yaml.safe_load(open("deploy/k8s/residency.yaml"))
regions = p["regions"]
seen = {}
for r, cs in p["countries"].items():
    for c in cs:
        seen.setdefault(c, []).append(r)
check(all(re.fullmatch(r"[a-z][a-z0-9]{0,15}", r) for r in regions), "k8s residency.yaml: region names are short lowercase identifiers")
check(p["fallback"] in regions and set(p["countries"]) <= set(regions), "k8s residency.yaml: fallback and country lists name known regions")
check(all(len(v) == 1 for v in seen.values()), "k8s residency.yaml: each country in one region")

# --- Dockerfile ----------------------------------------------------------------------------------
df = open("Dockerfile").read()
fetch = open("scripts/fetch-chdb.sh").read()
chdb_v = re.search(r'MERIDIAN_CHDB_VERSION:-([0-9.]+)', fetch).group(1)
check(re.search(r"ARG CHDB_VERSION=" + re.escape(chdb_v) + r"\b", df) is not None, f"Dockerfile: chDB {chdb_v} as in scripts/fetch-chdb.sh")
check('npm pack' in df and '@chdb/lib-linux-x64-gnu@${CHDB_VERSION}' in df, "Dockerfile: libchdb.so from npm pack @chdb/lib-linux-x64-gnu")
check(re.search(r"COPY --from=\S+ /libchdb.so /usr/local/lib/libchdb.so", df) is not None, "Dockerfile: libchdb.so at /usr/local/lib/libchdb.so (chdb-go dlopens it at init)")
check("go build" in df and "-o /meridian ./cmd/meridian" in df, "Dockerfile: builds ./cmd/meridian")
check(re.search(r"^FROM (--platform=\S+ )?debian:bookworm-slim\s*$", df, re.M) is not None, "Dockerfile: runtime debian:bookworm-slim")
user = re.findall(r"^USER (\S+)", df, re.M)
check(bool(user) and not user[-1].startswith(("root", "0")), f"Dockerfile: runs as non-root ({user[-1] if user else '-'})")
gomod = re.search(r"^go (\S+)", open("go.mod").read(), re.M).group(1)
check(re.search(r"ARG GO_VERSION=" + re.escape(gomod) + r"\b", df) is not None, f"Dockerfile: Go {gomod} as go.mod asks")
di = open(".dockerignore").read().split()
check(".engines" in di and ".git" in di, ".dockerignore: keeps .engines and .git out of the context")

print()
print(f"{len(errors)} failed" if errors else "all static checks passed")
sys.exit(1 if errors else 0)
PY

# --- renderers, when installed ------------------------------------------------------------------
if command -v xmllint >/dev/null 2>&1; then
  xmllint --noout deploy/clickhouse/*/*.xml deploy/clickhouse/*/*/*.xml && echo "ok    xmllint" || fail=1
else
  skip "xmllint not installed"
fi

if command -v kubectl >/dev/null 2>&1; then
  kubectl kustomize deploy/k8s >/dev/null && echo "ok    kubectl kustomize deploy/k8s renders" || { echo "FAIL  kubectl kustomize deploy/k8s"; fail=1; }
elif command -v kustomize >/dev/null 2>&1; then
  kustomize build deploy/k8s >/dev/null && echo "ok    kustomize build deploy/k8s renders" || { echo "FAIL  kustomize build deploy/k8s"; fail=1; }
else
  skip "kubectl/kustomize not installed"
fi

if docker compose version >/dev/null 2>&1; then
  # Render with the example env files (copied aside so nothing is written into deploy/).
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  cp -r deploy "$tmp/deploy"; cp Dockerfile "$tmp/"
  cp "$tmp/deploy/.env.example" "$tmp/deploy/.env"; cp "$tmp/deploy/meridian.env.example" "$tmp/deploy/meridian.env"
  for files in "-f docker-compose.yml" "-f docker-compose.yml -f docker-compose.eu.yml"; do
    # shellcheck disable=SC2086
    (cd "$tmp/deploy" && docker compose $files config -q) && echo "ok    docker compose $files config" \
      || { echo "FAIL  docker compose $files config"; fail=1; }
  done
else
  skip "docker compose plugin not installed"
fi

exit "$fail"

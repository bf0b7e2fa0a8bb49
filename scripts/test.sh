#!/usr/bin/env bash
# Runs every test of the solution against real services.
# On a fresh Debian machine with the .NET 10 SDK it installs what is missing (PostgreSQL, Redis,
# Chromium, Node.js), starts PostgreSQL, Redis and Azurite (the Azure Storage emulator, from npm) on
# 127.0.0.1, creates the test role and database, exports the connection strings, runs `dotnet test`
# and prints the totals on the last line:
#   N passed, N failed, N skipped
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

pg_port=${CHATENGINE_TEST_PG_PORT:-5432}
redis_port=${CHATENGINE_TEST_REDIS_PORT:-6379}
azurite_port=${CHATENGINE_TEST_AZURITE_PORT:-10000}
pg_user=chatengine_test
pg_password=chatengine_test
pg_db=chatengine_test

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
  local missing=()
  command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # An emoji font, as people's devices have: without it the screenshots show reactions as empty boxes.
  dpkg-query -W -f='${Status}' fonts-noto-color-emoji 2>/dev/null | grep -q "ok installed" || missing+=(fonts-noto-color-emoji)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian's packages"
    as_root apt-get update -qq >/dev/null || fail "apt-get update failed"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || fail "could not install ${missing[*]}"
  fi
}

start_postgres() {
  if pg_isready -h 127.0.0.1 -p "$pg_port" -q 2>/dev/null; then
    return
  fi
  local version cluster
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  cluster=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v { print $2; exit }')
  if [ -z "$cluster" ]; then
    as_root pg_createcluster "$version" main -p "$pg_port" >/dev/null || fail "could not create a PostgreSQL cluster"
    cluster=main
  fi
  log "starting PostgreSQL $version/$cluster"
  as_root pg_ctlcluster "$version" "$cluster" start || fail "PostgreSQL did not start"
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p "$pg_port" -q && return
    sleep 1
  done
  fail "PostgreSQL is not answering on 127.0.0.1:$pg_port"
}

prepare_database() {
  # Peer authentication over the local socket: the postgres OS user is the superuser.
  local psql=(psql -p "$pg_port" -v ON_ERROR_STOP=1 -qtA)
  if [ "$(id -u)" -eq 0 ]; then psql=(runuser -u postgres -- "${psql[@]}"); else psql=(sudo -u postgres "${psql[@]}"); fi
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$pg_user'")" != "1" ]; then
    "${psql[@]}" -c "CREATE ROLE $pg_user LOGIN PASSWORD '$pg_password' CREATEDB" || fail "could not create role $pg_user"
  fi
  # DROP DATABASE ... WITH (FORCE) in the tests' teardown must be able to end every backend on a test
  # database, an autovacuum worker included, which the test role does not own.
  "${psql[@]}" -c "SET client_min_messages = warning; GRANT pg_signal_backend TO $pg_user" >/dev/null || fail "could not grant pg_signal_backend to $pg_user"
  # Databases left by interrupted runs (tests and load tests make one each and drop their own).
  for leftover in $("${psql[@]}" -c "SELECT datname FROM pg_database WHERE datname LIKE 'chatengine\_test\_%' OR datname LIKE 'chatengine\_load\_%' OR datname LIKE 'chatengine\_bench\_%'"); do
    "${psql[@]}" -c "DROP DATABASE IF EXISTS \"$leftover\" WITH (FORCE)" >/dev/null || true
  done
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$pg_db'")" != "1" ]; then
    "${psql[@]}" -c "CREATE DATABASE $pg_db OWNER $pg_user" || fail "could not create database $pg_db"
  fi
}

start_redis() {
  if redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG; then
    return
  fi
  log "starting Redis on 127.0.0.1:$redis_port"
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no >/dev/null \
    || fail "Redis did not start"
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG && return
    sleep 1
  done
  fail "Redis is not answering on 127.0.0.1:$redis_port"
}

answers_on() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_azurite() {
  if answers_on "$azurite_port"; then
    return
  fi
  log "installing Azurite from npm"
  (cd tools/azurite && npm ci --no-audit --no-fund --ignore-scripts >/dev/null) || fail "npm ci of Azurite failed"
  local data
  data=$(mktemp -d)
  log "starting Azurite (Blob Storage) on 127.0.0.1:$azurite_port"
  # The SDK may speak a newer API version than this emulator knows; the calls the store makes are old ones.
  nohup tools/azurite/node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort "$azurite_port" \
    --location "$data" --skipApiVersionCheck --loose --silent >"$data/azurite.log" 2>&1 &
  for _ in $(seq 1 30); do
    answers_on "$azurite_port" && return
    sleep 1
  done
  fail "Azurite is not answering on 127.0.0.1:$azurite_port"
}

install_missing
start_postgres
prepare_database
start_redis
start_azurite

export ConnectionStrings__PostgreSqlTests="Host=127.0.0.1;Port=$pg_port;Username=$pg_user;Password=$pg_password;Database=$pg_db"
export ConnectionStrings__RedisTests="127.0.0.1:$redis_port"
# Azurite's well-known development account (public, the same in every Azurite), not a secret.
export ConnectionStrings__AzuriteTests="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$azurite_port/devstoreaccount1;"
export CHATENGINE_CHROMIUM=/usr/bin/chromium
export CHATENGINE_ARTIFACTS="$repo/artifacts"   # browser screenshots land in artifacts/screenshots
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

results=$(mktemp -d)
log "building"
if ! dotnet build ChatEngine.sln -c Release -nologo -v quiet 2>&1 | tee "$results/build.log" | grep -E ' error |warn' ; then :; fi
if ! grep -q "Build succeeded" "$results/build.log"; then
  tail -n 30 "$results/build.log" >&2
  fail "the build failed"
fi

# The package-consumption test builds an app against these, as a developer would, not the projects.
log "packing"
export CHATENGINE_PACKAGES="$repo/artifacts/packages"
rm -rf "$CHATENGINE_PACKAGES"
for package in ChatEngine ChatEngine.EFCore ChatEngine.AspNetCore ChatEngine.Redis ChatEngine.Imaging ChatEngine.Azure; do
  dotnet pack "src/$package/$package.csproj" -c Release --no-build -nologo -v quiet -o "$CHATENGINE_PACKAGES" >/dev/null \
    || fail "dotnet pack $package failed"
done

# The JavaScript client's npm package, installed from its tarball by a Node test, as an app would.
log "packing the JavaScript client"
export CHATENGINE_JS_CLIENT_DIR="$repo/artifacts/npm"
rm -rf "$CHATENGINE_JS_CLIENT_DIR" && mkdir -p "$CHATENGINE_JS_CLIENT_DIR"
(cd clients/chatengine-js && npm ci --no-audit --no-fund --ignore-scripts >/dev/null && npm run build >/dev/null) \
  || fail "building the JavaScript client failed"
tarball=$(cd clients/chatengine-js && npm pack --pack-destination "$CHATENGINE_JS_CLIENT_DIR" 2>/dev/null | tail -n 1) \
  || fail "npm pack of the JavaScript client failed"
export CHATENGINE_JS_CLIENT="$CHATENGINE_JS_CLIENT_DIR/$tarball"

log "testing"
# TRX files keep what the console leaves out, such as the stack of a fixture's clean-up failure.
rm -rf "$repo/artifacts/test-results"
dotnet test ChatEngine.sln -c Release --no-build -nologo --logger trx --results-directory "$repo/artifacts/test-results" 2>&1 | tee "$results/test.log"
test_exit=${PIPESTATUS[0]}

# Sum the per-assembly summaries: "Passed!  - Failed:     0, Passed:    74, Skipped:     0, ..."
read -r passed failed skipped < <(grep -E '^(Passed|Failed)!' "$results/test.log" | awk -F'[:,]' '
  { f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
assemblies=$(grep -cE '^(Passed|Failed)!' "$results/test.log")
if [ "$test_exit" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the runner failed without a test to blame (a crash, say): never report green
fi
if [ "$assemblies" -eq 0 ]; then
  failed=$((failed + 1))
fi

# Smoke runs: the benchmarks and the load test still work (no timings are asserted; the load test
# fails on any lost or repeated message). Each counts as one test.
smoke() {
  local name=$1; shift
  log "smoke: $name"
  if "$@" > "$results/smoke.log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'smoke run failed: %s\n' "$name" >&2
    tail -n 40 "$results/smoke.log" >&2
  fi
}
loadtest=benchmarks/ChatEngine.LoadTest/bin/Release/net10.0/ChatEngine.LoadTest.dll
CHATENGINE_SEARCH_MESSAGES=20000 smoke "benchmarks (dry run)" dotnet run -c Release --no-build --project benchmarks/ChatEngine.Benchmarks -- --filter '*' --job Dry --inProcess
smoke "load test, chat on SQLite" dotnet "$loadtest" --duration 3 --groups 3 --members 3
smoke "load test, chat on PostgreSQL" dotnet "$loadtest" --duration 3 --groups 3 --members 3 --database postgres
smoke "load test, two hosts sharing PostgreSQL and Redis" dotnet "$loadtest" --duration 3 --groups 3 --members 3 --database postgres --hosts 2
smoke "load test, members marking read on two hosts" dotnet "$loadtest" --duration 3 --groups 3 --members 3 --database postgres --hosts 2 --read-every 50
smoke "load test, baseline" dotnet "$loadtest" --mode baseline --duration 2 --groups 3 --members 3
smoke "load test, user streams beside chat sockets" dotnet "$loadtest" --duration 3 --groups 3 --members 3 --user-streams
smoke "load test, reconnect storm" dotnet "$loadtest" --mode reconnect --groups 3 --members 3 --missed 20
smoke "load test, REST reads" dotnet "$loadtest" --mode rest --duration 2 --groups 3 --members 3

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

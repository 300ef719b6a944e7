#!/usr/bin/env bash
# The container tests, offline (no container registry, no cluster): only Debian's apt mirrors and the npm
# registry are needed. As root:
#   1. podman, runc, mmdebstrap, slirp4netns installed if missing; podman set up for this kernel (CONTAINERS_CONF);
#   2. a Debian + Node base image made offline and cached (scripts/container-base.sh);
#   3. the Dockerfile built on it (`--format docker` keeps HEALTHCHECK, which the OCI format drops);
#   4. the image: its size, a numeric non-root user, a HEALTHCHECK, no dev-only package;
#   5. `docker run` as the README shows it, models/ mounted read-only: the seed's V1 requests (curl, verbatim),
#      V2 REST, gRPC, the HEALTHCHECK, then SIGTERM -> readiness 503 -> exit 0;
#   6. the Kubernetes Deployment's and the KServe runtime's containers run as the kubelet would
#      (scripts/container-kubelet.mjs): probes, REST and gRPC inference, non-root, SIGTERM within the grace period.
# Prints the measured figures at the end. ONNXSERVE_CONTAINER_CACHE moves the cache (default below).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CACHE_DIR="${ONNXSERVE_CONTAINER_CACHE:-/var/cache/onnxserve-container}"
export ONNXSERVE_CONTAINER_CACHE="$CACHE_DIR"
STARTED=$SECONDS
RUN_ID="$$-$RANDOM"
IMAGE="localhost/onnxserve:test-$RUN_ID"
CONTAINER="onnxserve-test-$RUN_ID"
WORK="$(mktemp -d /tmp/onnxserve-container-test.XXXXXX)"

log() { printf '[container-test] %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

# --- 1. tools ---------------------------------------------------------------------------------------------
missing=()
for tool in podman runc mmdebstrap slirp4netns curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "needs root to install ${missing[*]} (apt-get)"
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman runc mmdebstrap slirp4netns uidmap curl ca-certificates >/dev/null
fi
# The helpers use the repository's packages (yaml, @grpc/grpc-js).
[ -d node_modules/yaml ] && [ -d node_modules/@grpc/grpc-js ] || npm ci --no-audit --no-fund

# The container's user (10001) reads the mounted models: they must be readable by others (umask 022 checkouts are).
unreadable="$(find models examples/triton-repository ! -perm -o+r -print -quit)"
[ -z "$unreadable" ] || fail "$unreadable is not readable by others: the container's user could not read the models"

mkdir -p "$CACHE_DIR"
# crun fails on this kernel's cgroups and default ulimits fail with EPERM; no systemd for cgroups or events.
export CONTAINERS_CONF="$CACHE_DIR/containers.conf"
cat >"$CONTAINERS_CONF.$RUN_ID" <<'EOF'
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
EOF
mv -f "$CONTAINERS_CONF.$RUN_ID" "$CONTAINERS_CONF"

cleanup() {
  podman rm --force --volumes "$CONTAINER" >/dev/null 2>&1 || true
  podman rmi --force "$IMAGE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"; }
now_ms() { date +%s%3N; }
# Reads JSON on stdin and exits 1 unless the expression (over `b`) holds; prints the JSON on failure.
expect_json() { node -e "let t='';process.stdin.on('data',d=>t+=d).on('end',()=>{let b;try{b=JSON.parse(t)}catch{b=undefined}if(!($1)){console.error('unexpected answer: '+t.slice(0,500));process.exit(1)}})"; }
# Polls `curl` of $1 until its status is $2: at most $3 tries, 50 ms apart.
wait_status() {
  local url="$1" want="$2" tries="$3" code
  for _ in $(seq 1 "$tries"); do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
    [ "$code" = "$want" ] && return 0
    sleep 0.05
  done
  return 1
}

# --- 2. base image ----------------------------------------------------------------------------------------
base_started=$SECONDS
BASE="$(bash scripts/container-base.sh)"
BASE_SECONDS=$((SECONDS - base_started))

# --- 3. build ---------------------------------------------------------------------------------------------
log "building $IMAGE on $BASE"
build_started=$SECONDS
podman image prune --force --filter until=168h >/dev/null 2>&1 || true # week-old build cache only
if ! podman build --format docker --network host --pull=never --build-arg BASE_IMAGE="$BASE" -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
  tail -40 "$WORK/build.log" >&2
  fail "podman build"
fi
BUILD_SECONDS=$((SECONDS - build_started))
log "built in ${BUILD_SECONDS} s"

# --- 4. the image -----------------------------------------------------------------------------------------
SIZE_BYTES="$(podman image inspect --format '{{.Size}}' "$IMAGE")"
BASE_BYTES="$(podman image inspect --format '{{.Size}}' "$BASE")"
USER_SPEC="$(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
[[ "${USER_SPEC%%:*}" =~ ^[0-9]+$ ]] || fail "image user '$USER_SPEC' is not numeric (runAsNonRoot cannot verify it)"
[ "${USER_SPEC%%:*}" != 0 ] || fail "image runs as root"
podman image inspect "$IMAGE" | expect_json "b[0].Healthcheck && b[0].Healthcheck.Test.join(' ').includes('/v2/health/ready')" ||
  fail "no HEALTHCHECK on /v2/health/ready in the image"
# Every package the lockfile marks dev-only must be absent; a production one present (so the check can fail).
mapfile -t DEV_PATHS < <(node -e "const l=require('./package-lock.json');for(const[p,v]of Object.entries(l.packages))if(p&&v.dev)console.log(p)")
[ "${#DEV_PATHS[@]}" -gt 0 ] || fail "the lockfile lists no dev-only package"
found="$(podman run --rm --no-healthcheck --entrypoint sh "$IMAGE" -c 'cd /app && test -d node_modules/onnxruntime-node || echo "MISSING node_modules/onnxruntime-node"; for p in "$@"; do [ ! -e "$p" ] || echo "$p"; done' sh "${DEV_PATHS[@]}")"
[ -z "$found" ] || fail "dev-only packages in the image: $found"
log "image: $((SIZE_BYTES / 1000000)) MB (base $((BASE_BYTES / 1000000)) MB), user $USER_SPEC, HEALTHCHECK, none of ${#DEV_PATHS[@]} dev-only packages"

# --- 5. docker run, as the README shows it ----------------------------------------------------------------
HTTP_PORT="$(free_port)"
GRPC_PORT="$(free_port)"
URL="http://localhost:$HTTP_PORT"
t0="$(now_ms)"
# The HEALTHCHECK is run by hand below: podman's timer for it needs systemd (whose absence podman reports on
# stderr, kept in run.log).
podman run --detach --name "$CONTAINER" --network slirp4netns \
  -p "127.0.0.1:$HTTP_PORT:8080" -p "127.0.0.1:$GRPC_PORT:8081" \
  -v "$ROOT/models:/models:ro" --health-interval disable "$IMAGE" >/dev/null 2>"$WORK/run.log" ||
  { cat "$WORK/run.log" >&2; fail "podman run"; }
wait_status "$URL/v2/health/ready" 200 600 || { podman logs "$CONTAINER" >&2; fail "not ready within 30 s"; }
COLD_START_MS=$(($(now_ms) - t0))
log "ready ${COLD_START_MS} ms after podman run"

# The seed's requests, verbatim (README "The seed's curl commands, unchanged").
curl -sS -X POST "$URL/v1/models" \
  -H "Content-Type: application/json" \
  -d '{"name":"fraud_detector","path":"models/fraud_detector.onnx"}' |
  expect_json "b.status==='loaded' && b.name==='fraud_detector'" || fail "V1 load"
curl -sS -X POST "$URL/v1/models/fraud_detector/infer" \
  -H "Content-Type: application/json" \
  -d '{
"inputs": [[0.5, 125.50, -0.8, 1.2, -0.3, 0.5, 1.1, -0.2, 0.9, -1.2,
0.3, -0.7, 1.5, -0.4, 0.6, -1.1, 0.8, 0.2, -0.9, 1.3,
-0.5, 0.4, -1.0, 0.7, -0.3, 0.9, -0.6, 1.2, -0.8, 0.5]]
}' | expect_json "b.model_name==='fraud_detector' && b.predictions[0]===0 && b.is_fraud[0]===false && Math.abs(b.confidence[0]-0.0023108720779418945)<1e-6" ||
  fail "V1 infer"
curl -sS "$URL/v1/models" | expect_json "b.models.some(m=>m.name==='fraud_detector' && m.state==='READY')" || fail "V1 list"

# V2 REST (README "KServe V2").
curl -sS "$URL/v2" | expect_json "b.name==='onnxserve'" || fail "V2 server metadata"
curl -sS "$URL/v2/models/fraud_detector" | expect_json "b.name==='fraud_detector' && b.inputs[0].name==='input'" || fail "V2 model metadata"
curl -sS -X POST "$URL/v2/models/fraud_detector/infer" -H 'Content-Type: application/json' -d '{
  "id": "req-1",
  "inputs": [{"name": "input", "shape": [1, 30], "datatype": "FP32",
              "data": [0.5, 125.5, -0.8, 1.2, -0.3, 0.5, 1.1, -0.2, 0.9, -1.2, 0.3, -0.7, 1.5, -0.4, 0.6,
                       -1.1, 0.8, 0.2, -0.9, 1.3, -0.5, 0.4, -1.0, 0.7, -0.3, 0.9, -0.6, 1.2, -0.8, 0.5]}],
  "outputs": [{"name": "probabilities"}]
}' | expect_json "b.id==='req-1' && Math.abs(b.outputs[0].data[1]-0.0023108720779418945)<1e-6" || fail "V2 infer"

# V2 gRPC, from the repository's proto/.
node scripts/container-grpc-client.mjs "127.0.0.1:$GRPC_PORT" fraud_detector >/dev/null || fail "gRPC"

podman healthcheck run "$CONTAINER" >/dev/null || fail "HEALTHCHECK reports unhealthy"
uid="$(podman exec "$CONTAINER" node -e 'process.stdout.write(String(process.getuid()))')"
[ "$uid" != 0 ] || fail "the server runs as root"

# SIGTERM to PID 1: readiness 503 at once, then exit 0 once drained.
t_stop="$(now_ms)"
podman kill --signal TERM "$CONTAINER" >/dev/null
wait_status "$URL/v2/health/ready" 503 100 || fail "readiness did not turn 503 after SIGTERM"
code="$(timeout 60 podman wait "$CONTAINER")" || fail "still running 60 s after SIGTERM"
STOP_MS=$(($(now_ms) - t_stop))
[ "$code" = 0 ] || { podman logs --tail 20 "$CONTAINER" >&2; fail "exit code $code after SIGTERM"; }
log "docker run: V1, V2 REST, gRPC, HEALTHCHECK, uid $uid; SIGTERM -> exit 0 in ${STOP_MS} ms"
podman rm --force --volumes "$CONTAINER" >/dev/null 2>&1

# --- 6. as the kubelet runs them --------------------------------------------------------------------------
node scripts/container-kubelet.mjs deployment "$IMAGE" "$ROOT/models" fraud_detector deploy/kubernetes/deployment.yaml >"$WORK/deployment.json" ||
  fail "Kubernetes Deployment's container"
# KServe's storage initializer copies storageUri to /mnt/models: a single model.onnx (storageUri naming a file) ...
mkdir -m 0755 "$WORK/mnt-models"
cp models/fraud_detector.onnx "$WORK/mnt-models/model.onnx"
chmod 0644 "$WORK/mnt-models/model.onnx"
node scripts/container-kubelet.mjs kserve "$IMAGE" "$WORK/mnt-models" deploy/kserve/cluster-serving-runtime.yaml deploy/kserve/inferenceservice.yaml >"$WORK/kserve.json" ||
  fail "KServe runtime's container (REST InferenceService)"
# ... or a Triton model directory, whose config.pbtxt names the model otherwise (gRPC InferenceService).
node scripts/container-kubelet.mjs kserve "$IMAGE" "$ROOT/examples/triton-repository/fraud_detector" deploy/kserve/cluster-serving-runtime.yaml deploy/kserve/inferenceservice-grpc.yaml >"$WORK/kserve-grpc.json" ||
  fail "KServe runtime's container (gRPC InferenceService)"

field() { node -e "process.stdout.write(String(require('$1').$2))"; }
log "figures:"
log "  image size            $((SIZE_BYTES / 1000000)) MB (of which the Debian+Node base: $((BASE_BYTES / 1000000)) MB)"
log "  cold start            ${COLD_START_MS} ms (podman run -> /v2/health/ready 200, docker-style)"
log "  cold start, kubelet   Deployment $(field "$WORK/deployment.json" coldStartMs) ms, KServe $(field "$WORK/kserve.json" coldStartMs) ms (podman run -> first probe passed)"
log "  SIGTERM -> exit 0     ${STOP_MS} ms (drain delay 5 s included)"
log "  base image            ${BASE_SECONDS} s, build ${BUILD_SECONDS} s, whole run $((SECONDS - STARTED)) s"
log "all container checks passed"

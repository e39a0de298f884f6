#!/usr/bin/env bash
# `make demo`: a local control plane with a real node, the webhook installed in it from its image
# and manifests (the same path as `make cluster-install` and the e2e suite), a sample app rolled
# out under load with requests counted live (zero failures through the webhook; failures with the
# policy opted out), then a broken image that `kubectl paas rollout status` fails fast on and
# `kubectl paas diagnose` names from the real kubelet's words. Everything it starts is stopped at
# the end (DEMO_KEEP=1 keeps the cluster and the webhook running for a look around;
# `make cluster-down` stops the cluster).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
K8S_VERSION=${K8S_VERSION:-v1.37.2}
bin="$root/.cache/bin/k8s-$K8S_VERSION"
demo="$root/.cache/demo"

# What a cold run costs, said before it is spent: `make demo-build` builds only what the demo uses
# (the plugin and webhook, the control plane and the real node from the Go module proxy, the test
# images, the webhook's image), each reused once built. Figures measured on 2 cores.
cold=()
[ -x "$bin/kube-apiserver" ] && [ -x "$bin/kubelet" ] || cold+=("the control plane (about 9 min)")
compgen -G "$root/.cache/bin/containerd-*/containerd" >/dev/null && [ -e "$root/.cache/images/current" ] || cold+=("the real node and the test images (about 2 min)")
compgen -G "$root/.cache/webhook-image/*.tar" >/dev/null || cold+=("the webhook's image (about 1 min)")
echo 'make demo: a cold build takes about 12 minutes on 2 cores, then the demo about 2.'
if [ ${#cold[@]} -gt 0 ]; then
  printf 'Not built yet, so built now: %s.\n' "$(IFS=';'; echo "${cold[*]}" | sed 's/;/, /g')"
else
  echo 'Everything it uses is built already: seconds.'
fi
make --no-print-directory demo-build

mkdir -p "$demo/bin"
# kubectl finds plugins on PATH: put kubectl-paas (the built plugin) and the built kubectl there.
ln -sf "$root/dist/plugin/main.js" "$demo/bin/kubectl-paas"
chmod +x "$root/dist/plugin/main.js"
export PATH="$demo/bin:$bin:$root/node_modules/.bin:$PATH"
export KUBECONFIG="$root/.cache/cluster/kubeconfig"

bold=$'\e[1m'; dim=$'\e[2m'; off=$'\e[0m'
[ -t 1 ] || { bold=''; dim=''; off=''; }

exec 3>&1 # the terminal, for the load's live counts while its stdout goes to a file
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
run() { printf '%s$ %s%s\n' "$dim" "$*" "$off"; "$@"; }

load_pid=''
images="$root/.cache/images/current"
cleanup() {
  local rc=$?
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
  if [ "${DEMO_KEEP:-0}" = 1 ]; then
    echo; echo "DEMO_KEEP=1: the cluster and the webhook keep running."
    echo "  export KUBECONFIG=$KUBECONFIG PATH=$demo/bin:$bin:\$PATH"
    echo "  kubectl -n paas-system get pods -o wide; stop: make cluster-down"
    exit $rc
  fi
  tsx test/e2e/cluster/down.ts "$root/.cache/cluster" >/dev/null 2>&1 || true
  [ $rc -eq 0 ] || echo "demo failed (exit $rc); logs: .cache/cluster/logs/" >&2
  exit $rc
}
trap cleanup EXIT

say "1. A real control plane and a real node (containerd, kubelet, kube-proxy in their own network namespace); kwok fakes 3 more nodes"
run tsx test/e2e/cluster/up.ts "$root/.cache/cluster"
run kubectl get nodes -o wide

say "2. The webhook as users install it: its image (built from the Dockerfile) loaded into the node, kubectl apply -k manifests/"
run tsx test/e2e/cluster/install.ts "$root/.cache/cluster"
run kubectl -n paas-system get pods -o wide

say "3. Apply a plain Deployment and its Service: kubectl prints the policy's warnings"
run kubectl create namespace demo
run kubectl apply -f test/demo/web.yaml
# The same manifest opted out of the policy (one label), for the comparison in step 6.
sed -e 's/\bweb\b/web-optout/g' -e 's|^  labels:$|  labels:\n    paas.io/rollout-policy: disabled|' test/demo/web.yaml | kubectl apply -f - >/dev/null

say "   What was stored (strategy, deadline, grace period, preStop, readiness probe, deploy-id)"
run kubectl -n demo get deployment web -o jsonpath='{"strategy:         "}{.spec.strategy}{"\nprogressDeadline: "}{.spec.progressDeadlineSeconds}{"\ngracePeriod:      "}{.spec.template.spec.terminationGracePeriodSeconds}{"\npreStop:          "}{.spec.template.spec.containers[0].lifecycle.preStop}{"\nreadinessProbe:   "}{.spec.template.spec.containers[0].readinessProbe}{"\ndeploy-id:        "}{.spec.template.metadata.labels.paas\.io/deploy-id}{"\n"}'

say "4. kubectl paas rollout status, to completion (real containers; the kubelet probes them)"
run kubectl paas rollout status web -n demo --timeout 2m
kubectl -n demo rollout status deployment/web-optout --timeout=2m >/dev/null
run kubectl -n demo get pods -o wide

# roll <deployment> <image>: rolls it while 200 requests/s cross its Service from inside the
# node's namespace (a new connection each), counted live; stops the load once the last old pod is
# gone, and prints the totals.
roll() {
  local name=$1 image=$2 ip
  ip=$(kubectl -n demo get service "$name" -o jsonpath='{.spec.clusterIP}')
  rm -f "$demo/load.json"
  # The Service answers a second of new connections first: kube-proxy programs the endpoints a
  # moment after the pods are Ready, and a refusal before that belongs to no rollout.
  local tries=0
  until nsenter --net=/run/netns/paas-node "$images/testapp" load -url "http://$ip/" -rate 20 -duration 1s 2>/dev/null |
    node -e 'const s=JSON.parse(require("fs").readFileSync(0,"utf8")); process.exit(s.ok>0&&s.failed===0?0:1)'; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then echo "the Service $name ($ip) did not answer from the node in 30 tries" >&2; exit 1; fi
  done
  nsenter --net=/run/netns/paas-node "$images/testapp" load -url "http://$ip/" -rate 200 -duration 150s -progress 2s \
    2> >(sed -u 's/^/    /' >&3) > "$demo/load.json" &
  load_pid=$!
  sleep 2
  run kubectl -n demo set image "deployment/$name" "app=$image"
  run kubectl paas rollout status "$name" -n demo --timeout 2m
  # The moment that matters comes after "rolled out": the last old pod's preStop and shutdown.
  local new_hash
  new_hash=$(kubectl -n demo get rs -l "app=$name" -o jsonpath="{range .items[?(@.spec.replicas>0)]}{.metadata.labels.pod-template-hash}{end}")
  kubectl -n demo wait --for=delete pod -l "app=$name,pod-template-hash!=$new_hash" --timeout=90s >/dev/null 2>&1 || true
  sleep 2
  kill -INT "$load_pid"; wait "$load_pid" 2>/dev/null || true; load_pid=''
  node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(`  => ${s.requests} requests, ${s.failed} failed${s.failed?" ("+Object.entries(s.errors).map(([k,v])=>v+" "+k).join(", ")+")":""}`)' "$demo/load.json"
}

say "5. Roll it out under load, through the webhook: every request answered"
roll web paas.local/testapp:2

say "6. The same manifest with the policy opted out (API defaults: no probe, no preStop): requests fail"
roll web-optout paas.local/testapp:2

say "7. Re-applying the same manifest starts no rollout (same deploy-id, no new ReplicaSet)"
run kubectl -n demo set image deployment/web app=paas.local/testapp:1
run kubectl paas rollout status web -n demo --timeout 2m
run kubectl apply -f test/demo/web.yaml
run kubectl -n demo get replicasets -l app=web -L paas.io/deploy-id

say "8. Roll out an image whose tag does not exist: rollout status fails fast, diagnose names the cause"
run kubectl -n demo set image deployment/web app=paas.local/testapp:1.0.1-typo
set +e
run kubectl paas rollout status web -n demo --timeout 2m
echo "(exit $?: 1 = Failed)"
set -e
run kubectl -n demo get pods -l app=web -L paas.io/deploy-id
set +e
run kubectl paas diagnose web -n demo
echo "(exit $?: 1 = problems found)"
set -e

say "9. Roll back on failure: --undo-on-failure undoes the failed rollout and follows the rollback; the previous ReplicaSet and its deploy-id come back (no new id is minted)"
set +e
run kubectl paas rollout status web -n demo --timeout 2m --undo-on-failure
echo "(exit $?: 1 = the rollout Failed; the rollback itself completed, else 6)"
set -e
run kubectl -n demo get replicasets -l app=web -L paas.io/deploy-id
run kubectl paas rollout history web -n demo
run kubectl paas logs web -n demo --tail 1
say "Done."

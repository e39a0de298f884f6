#!/usr/bin/env bash
# `make demo`: a local control plane, the webhook installed in it from its image and manifests
# (the same path as `make cluster-install` and the e2e suite), a sample app rolled out and
# watched with `kubectl paas rollout status`, then a broken image diagnosed with
# `kubectl paas diagnose`. Everything it starts is stopped at the end (DEMO_KEEP=1 keeps the
# cluster and the webhook running for a look around; `make cluster-down` stops the cluster).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
K8S_VERSION=${K8S_VERSION:-v1.37.2}
bin="$root/.cache/bin/k8s-$K8S_VERSION"
demo="$root/.cache/demo"
mkdir -p "$demo/bin"
# kubectl finds plugins on PATH: put kubectl-paas (the built plugin) and the built kubectl there.
ln -sf "$root/dist/plugin/main.js" "$demo/bin/kubectl-paas"
chmod +x "$root/dist/plugin/main.js"
export PATH="$demo/bin:$bin:$root/node_modules/.bin:$PATH"
export KUBECONFIG="$root/.cache/cluster/kubeconfig"

bold=$'\e[1m'; dim=$'\e[2m'; off=$'\e[0m'
[ -t 1 ] || { bold=''; dim=''; off=''; }
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
run() { printf '%s$ %s%s\n' "$dim" "$*" "$off"; "$@"; }

cleanup() {
  local rc=$?
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

say "1. A real control plane (etcd, kube-apiserver, controller-manager, scheduler), one real node (containerd, kubelet, kube-proxy) and 3 kwok nodes"
run tsx test/e2e/cluster/up.ts "$root/.cache/cluster"
run kubectl get nodes

say "2. The webhook as users install it: its image (built from the Dockerfile) loaded into the node, kubectl apply -k manifests/"
run tsx test/e2e/cluster/install.ts "$root/.cache/cluster"
run kubectl -n paas-system get pods -o wide

say "3. Apply a plain Deployment: kubectl prints the policy's warnings"
run kubectl create namespace demo
run kubectl apply -f test/demo/web.yaml

say "   What was stored (strategy, deadline, grace period, preStop, readiness probe, deploy-id)"
run kubectl -n demo get deployment web -o jsonpath='{"strategy:         "}{.spec.strategy}{"\nprogressDeadline: "}{.spec.progressDeadlineSeconds}{"\ngracePeriod:      "}{.spec.template.spec.terminationGracePeriodSeconds}{"\npreStop:          "}{.spec.template.spec.containers[0].lifecycle.preStop}{"\nreadinessProbe:   "}{.spec.template.spec.containers[0].readinessProbe}{"\ndeploy-id:        "}{.spec.template.metadata.labels.paas\.io/deploy-id}{"\n"}'

say "4. kubectl paas rollout status, to completion"
run kubectl paas rollout status web -n demo --timeout 2m

say "   The same, as JSON"
run kubectl paas rollout status web -n demo -o json --watch=false

say "5. Re-applying the same manifest starts no rollout (same deploy-id, no new ReplicaSet)"
run kubectl apply -f test/demo/web.yaml
run kubectl -n demo get replicasets -L paas.io/deploy-id

say "6. Roll out a broken image: rollout status fails fast, diagnose names the cause"
run kubectl -n demo patch deployment web -p \
  '{"spec":{"template":{"metadata":{"labels":{"paas.io/kwok-scenario":"image-not-found"}},"spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.0.1-typo"}]}}}}'
set +e
run kubectl paas rollout status web -n demo --timeout 2m
echo "(exit $?: 1 = Failed)"
set -e
run kubectl -n demo get pods -L paas.io/deploy-id
set +e
run kubectl paas diagnose web -n demo
echo "(exit $?: 1 = problems found)"
set -e

say "7. Roll back: the first ReplicaSet and its deploy-id come back (no new id is minted)"
run kubectl -n demo rollout undo deployment/web
run kubectl paas rollout status web -n demo --timeout 2m
run kubectl -n demo get replicasets -L paas.io/deploy-id
say "Done."

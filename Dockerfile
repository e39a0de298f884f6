# paas-webhook image: multi-stage, production dependencies only, runs as the non-root `node` user.
#   docker build -t ghcr.io/kubectl-paas/paas-webhook:0.1.0 .
# Node 24 (LTS "Krypton", maintenance until April 2028) is the newest line the project tests on
# (engines: 20, 22, 24). Node 26 became the Active LTS on 2026-10-28:
#   docker build --build-arg NODE_VERSION=26 ...
# once CI covers it.
ARG NODE_VERSION=24
# The base of every stage. Without a registry, pass a local one that has node, npm and a shell
# (`make webhook-image` assembles it from Debian packages and the npm registry's node binary):
#   buildah build --build-arg NODE_IMAGE=paas.local/node-base:24.21.0 ...
ARG NODE_IMAGE=node:${NODE_VERSION}-alpine

# 1. Compile TypeScript with the full (dev) dependency set.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY kube-client ./kube-client
COPY core ./core
COPY webhook ./webhook
COPY plugin ./plugin
RUN npx tsc -p tsconfig.json

# 2. The webhook's production dependencies only; no install scripts run. @kubernetes/client-node
#    is the kubectl plugin's (58 of 89 MB): it goes, with what only it needed (prune, offline).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm pkg delete 'dependencies.@kubernetes/client-node' \
 && npm prune --omit=dev --ignore-scripts --offline --no-audit --no-fund \
 && npm cache clean --force

# 3. The runtime: the webhook's compiled JavaScript (with kube-client/ and core/, the Kubernetes
#    client and the policy engine it shares with the plugin) + its production node_modules, nothing else
#    (no plugin, no npm cache, no sources, no compilers). Files are owned by root and read-only
#    to the app.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/kube-client ./dist/kube-client
COPY --from=build /src/dist/core ./dist/core
COPY --from=build /src/dist/webhook ./dist/webhook
COPY package.json ./
# The `node` user (uid 1000) of the official image (and of the local base); the Deployment also
# sets runAsNonRoot.
USER 1000:1000
EXPOSE 8443 9090
ENTRYPOINT ["node", "dist/webhook/main.js"]
CMD ["serve"]

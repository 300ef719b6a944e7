# onnxserve's container image. Three stages: `build` compiles the TypeScript with the dev dependencies, `deps`
# installs the production dependencies alone, and the final stage holds only those two results.
#
#   docker build -t onnxserve .
#   docker run --rm -p 8080:8080 -p 8081:8081 -v "$PWD/models:/models:ro" onnxserve
#
# BASE_IMAGE is any glibc image with Node >= 20 and npm (onnxruntime-node ships glibc binaries only, so no Alpine):
# the default is the official slim Node LTS; scripts/container-test.sh builds on a Debian base made offline.
# Nothing is downloaded except the npm packages `npm ci` fetches.
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# Only src/ is copied, so tsc compiles the server alone (tsconfig also lists test/, scripts/ and bench/).
RUN npx tsc -p tsconfig.json && find dist -name '*.test.js*' -delete

FROM ${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node carries its runtime for every platform (~290 MB); keep this machine's (~45 MB).
RUN npm ci --omit=dev --no-audit --no-fund \
  && arch="$(node -p process.arch)" \
  && bin=node_modules/onnxruntime-node/bin/napi-v6 \
  && find "$bin" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} + \
  && find "$bin/linux" -mindepth 1 -maxdepth 1 ! -name "$arch" -exec rm -rf {} + \
  && test -f "$bin/linux/$arch/onnxruntime_binding.node"

FROM ${BASE_IMAGE}
# A numeric uid: Kubernetes' runAsNonRoot can only verify a numeric user. Written into /etc/passwd directly
# because minimal bases have no useradd.
ARG UID=10001
RUN echo "onnxserve:x:${UID}:${UID}:onnxserve:/nonexistent:/usr/sbin/nologin" >> /etc/passwd \
  && echo "onnxserve:x:${UID}:" >> /etc/group \
  && mkdir -p /models
COPY --from=deps /app/node_modules /app/node_modules
COPY --from=build /src/dist/src /app/dist/src
COPY package.json /app/
COPY proto /app/proto
ENV NODE_ENV=production \
    ONNXSERVE_HOST=0.0.0.0 \
    ONNXSERVE_MODEL_REPOSITORY=/models
# The working directory is / so that the seed's V1 load request, {"path": "models/<name>.onnx"}, names /models.
WORKDIR /
USER ${UID}:${UID}
VOLUME /models
EXPOSE 8080 8081
# No curl in slim bases: Node's own fetch. Podman keeps HEALTHCHECK only with `--format docker`.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ONNXSERVE_HTTP_PORT||8080)+'/v2/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself: readiness 503, drain, finish accepted requests, exit 0.
ENTRYPOINT ["node", "/app/dist/src/cli/index.js"]
CMD ["serve"]

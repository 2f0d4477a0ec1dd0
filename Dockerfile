# syntax=docker/dockerfile:1
# One image for every role: FLIGHTDECK_ROLE (web, worker or all) picks what `serve` runs.
# Node 24 is an LTS line maintained until April 2028; flightdeck itself also runs on Node 20 and 22.
# Pinned to a release, so a rebuild gets the same Node; move it on deliberately. To pin the exact image
# too, append its digest (docs/operations.md, "Build the image"):
#   docker build --build-arg NODE_IMAGE=node:24.11.1-bookworm-slim@sha256:<digest> .
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

# Compile with the dev dependencies (TypeScript).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` compiles, and the sources are not copied in yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build

# Production dependencies only: no compiler, test tools or emulators in the running image.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would need the compiler this stage leaves out.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# Nothing is written outside /tmp, so the root filesystem can be mounted read-only.
ENV NODE_ENV=production \
    HOME=/tmp \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# A numeric non-root user, so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 10001:10001
EXPOSE 3000
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]

# Fighting Fund: the production server (`node server.mjs`) from a build made exactly as CI and the
# README make it (`npm ci`, then `npm run build`). See README "Several servers" and compose.yaml.
# Not built or run on the project's CI machines, which cannot run containers.

# --- build: all dependencies, then the Remix build --------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund
RUN npm run build

# --- runtime: production dependencies, the build, the migrations; not root ----------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the one install script prepares the embedded (PGlite) database, which a
# server with DATABASE_URL never opens.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/build ./build
COPY --from=build /app/public ./public
COPY --from=build /app/db ./db
COPY --from=build /app/server.mjs ./server.mjs
# The image's own unprivileged user; nothing in /app is writable by it.
USER node
EXPOSE 3000
# Ready (/readyz) rather than merely alive: it answers 503 while the server drains on SIGTERM.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts the graceful drain (up to SHUTDOWN_GRACE_SECONDS): compose.yaml waits longer.
STOPSIGNAL SIGTERM
CMD ["node", "server.mjs"]

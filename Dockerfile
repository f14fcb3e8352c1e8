# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev toolchain.
FROM node:24-slim AS build
WORKDIR /app
# npm ci applies patches/ (patch-package, in postinstall).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY db ./db
COPY seeds ./seeds
COPY console ./console
RUN npm run build

# Runtime stage: production dependencies and compiled output only, as a non-root user.
FROM node:24-slim AS runtime
# A bounded old generation makes V8 collect during long streamed exports instead
# of letting garbage pile up (a 1M-AE export then grows RSS by ~25 MB, not ~100).
# Migrations run as the schema's owner (MIGRATION_DATABASE_URL, docker-entrypoint.sh), not as the service.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=256 \
    HOST=0.0.0.0 \
    PORT=3000 \
    MIGRATE_ON_START=false
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY db/roles.sql ./dist/db/roles.sql
COPY --chmod=755 docker-entrypoint.sh ./
USER node
EXPOSE 3000
# Expected in containers: DATABASE_URL (the runtime role's login), AUDIT_HMAC_KEY,
# JWT_SECRET (or JWKS_URL), and MIGRATION_DATABASE_URL (the schema owner's login)
# unless migrations run as a separate job (`node dist/db/migrate-cli.js --grants`).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["./docker-entrypoint.sh"]
CMD ["node", "dist/src/server.js"]

# syntax=docker/dockerfile:1
# Log Center server and dashboard: docker build -t log-center/server .
ARG NODE_VERSION=20.20
ARG TSX_VERSION=4.23.15

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY server ./server
COPY web ./web
RUN npm run build:web

FROM node:${NODE_VERSION}-bookworm-slim
ARG TSX_VERSION
# The server runs from its TypeScript sources; tsx is the only build tool the image keeps.
RUN npm install -g --no-audit --no-fund "tsx@${TSX_VERSION}" && npm cache clean --force
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    LOG_CENTER_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY drizzle ./drizzle
COPY server/src ./server/src
COPY --from=web /app/dist/web ./dist/web
# /data holds the embedded database and generated admin token when DATABASE_URL is unset.
RUN mkdir -p /data && chown 1000:1000 /data
VOLUME ["/data"]
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "/usr/local/lib/node_modules/tsx/dist/loader.mjs", "server/src/index.ts"]

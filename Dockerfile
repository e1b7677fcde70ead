# ica-mcp in team mode: stateless Streamable HTTP at :8787/mcp, each request bringing its user's ICA key in
# X-ICA-API-Key. Put an authenticating proxy in front and share ICA_RATE_LIMIT_REDIS_URL and ICA_CONFIRM_SECRET
# between replicas: see docs/deploy.md.
#   docker build -t ica-mcp .
#   docker run --rm -p 127.0.0.1:8787:8787 -e ICA_HTTP_ALLOWED_HOSTS=localhost:8787 ica-mcp
ARG NODE_IMAGE=node:26-slim

# Build: dev dependencies, tsc and esbuild; nothing of this stage ships but the bundles.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json LICENSE ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# Runtime: the bundled server alone (its dependencies are inside it; ioredis in redis-client.js), no node_modules.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json /src/LICENSE ./
COPY --from=build /src/dist/server.js /src/dist/redis-client.js /src/dist/THIRD_PARTY_LICENSES.txt ./dist/
USER node
EXPOSE 8787
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ICA_HTTP_PORT || 8787}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/server.js"]
CMD ["--http", "--host", "0.0.0.0"]

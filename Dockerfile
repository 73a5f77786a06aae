# SafeCall: one process serving Slack and Teams on one port.
# Build stage: compile src/ and dialogs/ to dist/ (needs the dev dependencies: TypeScript).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY dialogs ./dialogs
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build

# Run stage: production dependencies and the compiled JavaScript only; no TypeScript loader at start.
FROM node:20-bookworm-slim
ENV NODE_ENV=production DATA_DIR=/data PORT=3978
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` build needs TypeScript, which is not installed here; dist/ comes from the build stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The `safecall` CLI (bin) runs the compiled dist/src/cli.js.
COPY src/bin ./src/bin
# The PostgreSQL migrations are read as .sql files from src/ (src/store/postgres/migrations.ts).
COPY src/store/postgres/migrations ./src/store/postgres/migrations
COPY content ./content
COPY safecall.example.yaml ./
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Listening on 0.0.0.0 needs MicrosoftAppId or TEAMS_MODE=off (the no-auth Teams mode is loopback only).
# start-period: migrations run at start (under an advisory lock) before /healthz answers.
CMD ["node", "dist/src/main.js"]

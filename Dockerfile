# SafeCall: one process serving Slack and Teams on one port.
FROM node:20-bookworm-slim
ENV NODE_ENV=production DATA_DIR=/data PORT=3978
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY dialogs ./dialogs
COPY content ./content
COPY safecall.example.yaml ./
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Listening on 0.0.0.0 needs MicrosoftAppId (the no-auth Teams mode is loopback only).
CMD ["node", "--import", "tsx", "src/main.ts"]

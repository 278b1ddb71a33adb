# Vigil as a container: `docker compose up` (see docker-compose.yml) or `docker build -t vigil .`
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY libs libs
COPY services services
COPY detectors detectors
COPY scripts scripts
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production VIGIL_HOST=0.0.0.0 VIGIL_PORT=8080 VIGIL_DATA_DIR=/data
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
COPY libs/store/migrations libs/store/migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/vigil.js"]
CMD ["start"]

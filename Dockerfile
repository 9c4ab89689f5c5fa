# Airbyte source connector for Gong, built without pulling anything (FROM scratch).
# Build with ./scripts/docker-build.sh: it compiles the release binaries on the host and assembles the
# root filesystems in target/docker-rootfs/ (binary, its shared libraries, a static busybox for /bin/sh
# and sleep, /etc/passwd and /etc/group with user airbyte) that the stages below copy.

# The Gong API simulator, for container tests: docker run gong-sandbox:dev --port 8080
FROM scratch AS gong-sandbox
COPY target/docker-rootfs/sandbox/system/ /
COPY --chown=1000:1000 target/docker-rootfs/sandbox/home/ /
ENV PATH=/bin:/airbyte/bin
WORKDIR /airbyte
USER airbyte
EXPOSE 8080
ENTRYPOINT ["/airbyte/bin/gong-sandbox", "--host", "0.0.0.0"]
CMD ["--port", "8080"]

# The connector (the default target).
FROM scratch AS source-gong
COPY target/docker-rootfs/connector/system/ /
COPY --chown=1000:1000 target/docker-rootfs/connector/home/ /
ENV PATH=/bin:/airbyte/bin \
    AIRBYTE_ENTRYPOINT=/airbyte/bin/source-gong
WORKDIR /airbyte
USER airbyte
LABEL io.airbyte.name=source-gong-rs/source-gong \
      io.airbyte.version=1.0.0 \
      org.opencontainers.image.title="Airbyte source-gong" \
      org.opencontainers.image.description="Airbyte source connector for the Gong API v2, written in Rust" \
      org.opencontainers.image.licenses=MIT
ENTRYPOINT ["/airbyte/bin/source-gong"]

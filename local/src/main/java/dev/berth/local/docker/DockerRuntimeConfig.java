package dev.berth.local.docker;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link DockerPodRuntime}.
 *
 * @param network          the user bridge network pods join (created if missing)
 * @param isolatedNetwork  the internal bridge network of {@code blockNetwork} pods: no route out
 * @param readinessTimeout how long every port may take to accept connections before the pod fails
 * @param pollInterval     how often readiness dials the ports
 * @param stopGrace        how long a stopped container gets between SIGTERM and SIGKILL
 * @param pidsLimit        the most processes a pod may run
 * @param nofile           the open files limit (soft = hard); Podman needs it explicit. It must not exceed the
 *                         engine's own hard limit, or every start fails with "error setting rlimits"
 * @param nproc            the processes limit per user (soft = hard); Podman needs it explicit
 * @param owner            which platform owns the containers (label {@code dev.berth.owner}): platforms with different
 *                         homes share one engine without adopting, or removing as orphans, each other's pods
 * @param probeImage       a local busybox image (sh, nc), which checks {@code blockNetwork} isolation empirically when the
 *                         host firewall rule cannot be checked (see {@link IsolationProbe})
 */
public record DockerRuntimeConfig(String network, String isolatedNetwork, Duration readinessTimeout,
                                  Duration pollInterval, Duration stopGrace, long pidsLimit, long nofile, long nproc,
                                  String owner, String probeImage) {

    public DockerRuntimeConfig {
        requireName(network, "network");
        requireName(isolatedNetwork, "isolatedNetwork");
        requireName(owner, "owner");
        if (probeImage == null || probeImage.isBlank()) {
            throw new IllegalArgumentException("probeImage is blank; give a local busybox image, e.g. berth/busybox:latest");
        }
        if (network.equals(isolatedNetwork)) {
            throw new IllegalArgumentException("network and isolatedNetwork are both '" + network + "'; give them different names");
        }
        requirePositive(readinessTimeout, "readinessTimeout");
        requirePositive(pollInterval, "pollInterval");
        Objects.requireNonNull(stopGrace, "stopGrace");
        if (stopGrace.isNegative()) {
            throw new IllegalArgumentException("stopGrace is negative: " + stopGrace);
        }
        if (pidsLimit < 16 || nofile < 64 || nproc < 16) {
            throw new IllegalArgumentException("Limits too low (pidsLimit " + pidsLimit + ", nofile " + nofile + ", nproc " + nproc
                    + "); give at least 16, 64 and 16");
        }
    }

    /** The defaults: networks {@code berth} and {@code berth-isolated}, readiness within 120 s dialled every 25 ms. */
    public static DockerRuntimeConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    private static void requireName(String value, String field) {
        if (value == null || !value.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw new IllegalArgumentException("Invalid " + field + " '" + value + "'; use letters, digits, '_', '.' and '-'");
        }
    }

    private static void requirePositive(Duration value, String field) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + value);
        }
    }

    /** Builds a {@link DockerRuntimeConfig}; not thread-safe. */
    public static final class Builder {
        private String network = "berth";
        private String isolatedNetwork = "berth-isolated";
        private Duration readinessTimeout = Duration.ofSeconds(120);
        private Duration pollInterval = Duration.ofMillis(25);
        private Duration stopGrace = Duration.ofSeconds(3);
        private long pidsLimit = 4096;
        // At most the engine's own hard limit (20000 for dockerd here; raising it fails the start), plenty for pods.
        private long nofile = 8192;
        private long nproc = 4096;
        private String owner = "default";
        private String probeImage = "berth/busybox:latest";

        private Builder() {
        }

        public Builder network(String network) {
            this.network = network;
            return this;
        }

        public Builder isolatedNetwork(String isolatedNetwork) {
            this.isolatedNetwork = isolatedNetwork;
            return this;
        }

        public Builder readinessTimeout(Duration readinessTimeout) {
            this.readinessTimeout = readinessTimeout;
            return this;
        }

        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        public Builder stopGrace(Duration stopGrace) {
            this.stopGrace = stopGrace;
            return this;
        }

        public Builder pidsLimit(long pidsLimit) {
            this.pidsLimit = pidsLimit;
            return this;
        }

        public Builder nofile(long nofile) {
            this.nofile = nofile;
            return this;
        }

        public Builder nproc(long nproc) {
            this.nproc = nproc;
            return this;
        }

        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        public Builder probeImage(String probeImage) {
            this.probeImage = probeImage;
            return this;
        }

        public DockerRuntimeConfig build() {
            return new DockerRuntimeConfig(network, isolatedNetwork, readinessTimeout, pollInterval, stopGrace, pidsLimit, nofile, nproc,
                    owner, probeImage);
        }
    }
}

package dev.berth.sdk;

import dev.berth.InvalidSpecException;
import dev.berth.image.ImageSpec;
import dev.berth.pod.PodSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pod to run: what {@link BerthClient#create(Pod)} starts and {@link BerthClient#deploy(Pod)} names. A thin
 * immutable wrapper of core's validated {@link PodSpec}.
 *
 * <pre>{@code
 * Pod pod = Pod.builder()
 *         .image(Image.python("3.12").pythonPackages("jupyterlab"))
 *         .entrypoint("jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--allow-root")
 *         .ports(8888)
 *         .cpu(2).memoryMiB(4096)
 *         .keepWarmSeconds(300)
 *         .build();
 * }</pre>
 *
 * @param spec the validated spec sent to the platform
 */
public record Pod(PodSpec spec) {
    public Pod {
        Objects.requireNonNull(spec, "spec");
    }

    /** A pod of an existing spec. */
    public static Pod of(PodSpec spec) {
        return new Pod(spec);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The deployment name, or {@code null} for an anonymous pod. */
    public String name() {
        return spec.name();
    }

    /** Builds a {@link Pod}; not thread-safe. Validation happens in {@link #build()}. */
    public static final class Builder {
        private final PodSpec.Builder spec = PodSpec.builder();
        private Image image;

        private Builder() {
        }

        /** The deployment name (1-40 lowercase letters, digits, '-'): required by {@link BerthClient#deploy(Pod)}. */
        public Builder name(String name) {
            spec.name(name);
            return this;
        }

        /** The image, built into its spec at {@link #build()}. */
        public Builder image(Image image) {
            this.image = Objects.requireNonNull(image, "image");
            return this;
        }

        public Builder image(ImageSpec image) {
            this.image = null;
            spec.image(image);
            return this;
        }

        /** The command the container runs, as separate words (no shell; use {@code "sh", "-c", "…"} for one). */
        public Builder entrypoint(String... command) {
            spec.entrypoint(command);
            return this;
        }

        public Builder entrypoint(List<String> command) {
            spec.entrypoint(command);
            return this;
        }

        /** Container ports to expose; each gets its own HTTPS URL. */
        public Builder ports(int... ports) {
            spec.ports(ports);
            return this;
        }

        public Builder env(String name, String value) {
            spec.env(name, value);
            return this;
        }

        public Builder env(Map<String, String> env) {
            spec.env(env);
            return this;
        }

        /** CPU cores, 0.125 to 64 (default {@value PodSpec#DEFAULT_CPU}). */
        public Builder cpu(double cpu) {
            spec.cpu(cpu);
            return this;
        }

        /** Memory in MiB, 64 to 262144 (default {@value PodSpec#DEFAULT_MEMORY_MIB}). */
        public Builder memoryMiB(int memoryMiB) {
            spec.memoryMiB(memoryMiB);
            return this;
        }

        /** A GPU type ({@code any}, {@code T4}, {@code L4}, {@code A10G}, {@code A100-40}, {@code A100-80}, {@code H100}). */
        public Builder gpu(String gpu) {
            spec.gpu(gpu);
            return this;
        }

        public Builder gpu(String gpu, int count) {
            spec.gpu(gpu).gpuCount(count);
            return this;
        }

        public Builder gpuCount(int count) {
            spec.gpuCount(count);
            return this;
        }

        /** Seconds without connections before the pod stops: -1 never, 0 as soon as idle (default 600). */
        public Builder keepWarmSeconds(int seconds) {
            spec.keepWarmSeconds(seconds);
            return this;
        }

        public Builder keepWarm(Duration keepWarm) {
            return keepWarmSeconds(Math.toIntExact(keepWarm.toSeconds()));
        }

        /** Whether the pod's URLs require a token (see {@link PodInstance#authToken()}). */
        public Builder authorized(boolean authorized) {
            spec.authorized(authorized);
            return this;
        }

        /** Whether the container has no route out of the host. */
        public Builder blockNetwork(boolean blockNetwork) {
            spec.blockNetwork(blockNetwork);
            return this;
        }

        /**
         * The pod.
         *
         * @throws InvalidSpecException naming the field, if the pod or its image is not valid
         */
        public Pod build() {
            if (image != null) {
                spec.image(image.build());
            }
            return new Pod(spec.build());
        }
    }
}

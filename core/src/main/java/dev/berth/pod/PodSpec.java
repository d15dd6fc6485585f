package dev.berth.pod;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.InvalidSpecException;
import dev.berth.image.ImageSpec;
import dev.berth.internal.Checks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything a user says about a pod: its image, entrypoint, ports, environment, resources and keep-warm.
 * Validated on construction; every failure is an {@link InvalidSpecException} naming the field.
 *
 * <pre>{@code
 * PodSpec spec = PodSpec.builder()
 *         .image(ImageSpec.builder().pythonPackages("jupyterlab").build())
 *         .entrypoint("jupyter", "lab", "--ip=0.0.0.0", "--port=8888")
 *         .ports(8888)
 *         .keepWarmSeconds(300)
 *         .build();
 * }</pre>
 *
 * @param name            deployment name (a DNS label of at most 40 characters), or {@code null} for an anonymous pod
 * @param keepWarmSeconds seconds without connections before the pod is stopped: {@code -1} never, {@code 0} as soon as idle
 * @param blockNetwork    no route out of the container
 * @param readOnlyRootFilesystem the container's root filesystem is read-only; {@code /tmp}, {@code /var/tmp} and
 *                        {@code /run} are small writable tmpfs ({@value #READ_ONLY_TMPFS_MIB} MiB each,
 *                        {@code noexec,nosuid,nodev}) and the only places it can write
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PodSpec(
        String name,
        ImageSpec image,
        List<String> entrypoint,
        List<Integer> ports,
        Map<String, String> env,
        double cpu,
        int memoryMiB,
        String gpu,
        int gpuCount,
        int keepWarmSeconds,
        boolean authorized,
        boolean blockNetwork,
        boolean readOnlyRootFilesystem) {

    public static final double DEFAULT_CPU = 1.0;
    public static final int DEFAULT_MEMORY_MIB = 1024;
    public static final int DEFAULT_KEEP_WARM_SECONDS = 600;
    public static final int MAX_PORTS = 8;
    /** Size of the writable {@code /tmp} of a pod with a read-only root filesystem. */
    public static final int READ_ONLY_TMPFS_MIB = 64;
    public static final int MAX_KEEP_WARM_SECONDS = 7 * 24 * 3600;
    public static final Set<String> GPU_TYPES = Set.of("any", "T4", "L4", "A10G", "A100-40", "A100-80", "H100");

    private static final Pattern NAME = Pattern.compile("[a-z]([a-z0-9-]{0,38}[a-z0-9])?");

    public PodSpec {
        image = image == null ? ImageSpec.defaults() : image;
        entrypoint = Checks.list(entrypoint, "entrypoint");
        ports = Checks.list(ports, "ports");
        env = Checks.env(env, "env");
        gpu = gpu == null || gpu.isBlank() ? null : gpu.strip();
        if (gpu != null && gpuCount == 0) {
            gpuCount = 1;
        }
        validate(name, entrypoint, ports, cpu, memoryMiB, gpu, gpuCount, keepWarmSeconds);
    }

    @JsonCreator
    static PodSpec fromJson(
            @JsonProperty("name") String name,
            @JsonProperty("image") ImageSpec image,
            @JsonProperty("entrypoint") List<String> entrypoint,
            @JsonProperty("ports") List<Integer> ports,
            @JsonProperty("env") Map<String, String> env,
            @JsonProperty("cpu") Double cpu,
            @JsonProperty("memoryMiB") Integer memoryMiB,
            @JsonProperty("gpu") String gpu,
            @JsonProperty("gpuCount") Integer gpuCount,
            @JsonProperty("keepWarmSeconds") Integer keepWarmSeconds,
            @JsonProperty("authorized") Boolean authorized,
            @JsonProperty("blockNetwork") Boolean blockNetwork,
            @JsonProperty("readOnlyRootFilesystem") Boolean readOnlyRootFilesystem) {
        return new PodSpec(name, image, entrypoint, ports, env,
                cpu == null ? DEFAULT_CPU : cpu,
                memoryMiB == null ? DEFAULT_MEMORY_MIB : memoryMiB,
                gpu,
                gpuCount == null ? 0 : gpuCount,
                keepWarmSeconds == null ? DEFAULT_KEEP_WARM_SECONDS : keepWarmSeconds,
                Boolean.TRUE.equals(authorized),
                Boolean.TRUE.equals(blockNetwork),
                Boolean.TRUE.equals(readOnlyRootFilesystem));
    }

    private static void validate(String name, List<String> entrypoint, List<Integer> ports, double cpu, int memoryMiB,
                                 String gpu, int gpuCount, int keepWarmSeconds) {
        if (name != null) {
            if (!NAME.matcher(name).matches()) {
                throw new InvalidSpecException("name", "Invalid name '" + Checks.shown(name)
                        + "'; use 1-40 lowercase letters, digits and '-', starting with a letter (e.g. my-notebook)");
            }
            if (PodId.looksLikePodId(name)) {
                throw new InvalidSpecException("name", "Invalid name '" + name
                        + "': it has the shape of a pod id, so its URL would clash; pick another name");
            }
        }
        if (entrypoint.isEmpty()) {
            throw new InvalidSpecException("entrypoint",
                    "entrypoint is empty; give the command the container runs, e.g. [\"python3\", \"-m\", \"http.server\", \"8000\"]");
        }
        if (entrypoint.get(0).isBlank()) {
            throw new InvalidSpecException("entrypoint[0]", "entrypoint[0] is blank; it must name the program to run");
        }
        if (ports.size() > MAX_PORTS) {
            throw new InvalidSpecException("ports", "ports has " + ports.size() + " entries; at most " + MAX_PORTS + " are allowed");
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            int port = ports.get(i);
            if (port < 1 || port > 65535) {
                throw new InvalidSpecException("ports[" + i + "]", "Invalid port " + port + " at ports[" + i
                        + "]; give the container port your server listens on, between 1 and 65535");
            }
            if (!seen.add(port)) {
                throw new InvalidSpecException("ports[" + i + "]", "Port " + port + " is listed twice in ports; list each port once");
            }
        }
        if (!(cpu >= 0.125 && cpu <= 64)) {
            throw new InvalidSpecException("cpu", "Invalid cpu " + cpu + "; give a number of cores between 0.125 and 64 (e.g. 1.5)");
        }
        if (memoryMiB < 64 || memoryMiB > 262_144) {
            throw new InvalidSpecException("memoryMiB", "Invalid memoryMiB " + memoryMiB + "; give MiB between 64 and 262144 (e.g. 2048)");
        }
        if (gpu != null && !GPU_TYPES.contains(gpu)) {
            throw new InvalidSpecException("gpu", "Unknown gpu '" + Checks.shown(gpu) + "'; use one of " + String.join(", ", GPU_TYPES.stream().sorted().toList()));
        }
        if (gpuCount < 0 || gpuCount > 8) {
            throw new InvalidSpecException("gpuCount", "Invalid gpuCount " + gpuCount + "; give 0 to 8");
        }
        if (gpu == null && gpuCount > 0) {
            throw new InvalidSpecException("gpu", "gpuCount is " + gpuCount + " but gpu is not set; set gpu (e.g. \"any\" or \"T4\")");
        }
        if (keepWarmSeconds < -1 || keepWarmSeconds > MAX_KEEP_WARM_SECONDS) {
            throw new InvalidSpecException("keepWarmSeconds", "Invalid keepWarmSeconds " + keepWarmSeconds
                    + "; use -1 (never stop when idle), 0 (stop as soon as idle) or seconds up to " + MAX_KEEP_WARM_SECONDS);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder().name(name).image(image).cpu(cpu).memoryMiB(memoryMiB).gpu(gpu).gpuCount(gpuCount)
                .keepWarmSeconds(keepWarmSeconds).authorized(authorized).blockNetwork(blockNetwork)
                .readOnlyRootFilesystem(readOnlyRootFilesystem);
        b.entrypoint.addAll(entrypoint);
        b.ports.addAll(ports);
        b.env.putAll(env);
        return b;
    }

    public PodSpec withName(String newName) {
        return toBuilder().name(newName).build();
    }

    /** Whether the pod is never stopped for being idle. */
    public boolean keepsWarmForever() {
        return keepWarmSeconds == -1;
    }

    /** Builds a {@link PodSpec}; not thread-safe. */
    public static final class Builder {
        private String name;
        private ImageSpec image;
        private final List<String> entrypoint = new ArrayList<>();
        private final List<Integer> ports = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private double cpu = DEFAULT_CPU;
        private int memoryMiB = DEFAULT_MEMORY_MIB;
        private String gpu;
        private int gpuCount;
        private int keepWarmSeconds = DEFAULT_KEEP_WARM_SECONDS;
        private boolean authorized;
        private boolean blockNetwork;
        private boolean readOnlyRootFilesystem;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder image(ImageSpec image) {
            this.image = image;
            return this;
        }

        public Builder entrypoint(String... command) {
            this.entrypoint.clear();
            this.entrypoint.addAll(List.of(command));
            return this;
        }

        public Builder entrypoint(List<String> command) {
            this.entrypoint.clear();
            this.entrypoint.addAll(command);
            return this;
        }

        public Builder ports(int... ports) {
            for (int port : ports) {
                this.ports.add(port);
            }
            return this;
        }

        public Builder env(String name, String value) {
            this.env.put(name, value);
            return this;
        }

        public Builder env(Map<String, String> env) {
            this.env.putAll(env);
            return this;
        }

        public Builder cpu(double cpu) {
            this.cpu = cpu;
            return this;
        }

        public Builder memoryMiB(int memoryMiB) {
            this.memoryMiB = memoryMiB;
            return this;
        }

        public Builder gpu(String gpu) {
            this.gpu = gpu;
            return this;
        }

        public Builder gpuCount(int gpuCount) {
            this.gpuCount = gpuCount;
            return this;
        }

        public Builder keepWarmSeconds(int keepWarmSeconds) {
            this.keepWarmSeconds = keepWarmSeconds;
            return this;
        }

        public Builder authorized(boolean authorized) {
            this.authorized = authorized;
            return this;
        }

        public Builder blockNetwork(boolean blockNetwork) {
            this.blockNetwork = blockNetwork;
            return this;
        }

        /** A read-only root filesystem with a small writable tmpfs at {@code /tmp}. */
        public Builder readOnlyRootFilesystem(boolean readOnlyRootFilesystem) {
            this.readOnlyRootFilesystem = readOnlyRootFilesystem;
            return this;
        }

        public PodSpec build() {
            return new PodSpec(name, image, entrypoint, ports, env, cpu, memoryMiB, gpu, gpuCount, keepWarmSeconds,
                    authorized, blockNetwork, readOnlyRootFilesystem);
        }
    }
}

package dev.berth.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.InvalidSpecException;
import dev.berth.internal.Checks;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a pod's container image holds: a base image or a Python version, Python and conda packages,
 * shell commands, environment variables — or a Dockerfile with its build context.
 *
 * <p>Two equal specs have the same {@link ImageId} and are built once.
 *
 * @param base           base image reference (default {@value #DEFAULT_BASE}); ignored with a Dockerfile
 * @param pythonVersion  Python version such as {@code 3.12}; selects {@code python:<version>-slim} as base
 * @param pythonPackages pip requirement specifiers, installed in order
 * @param condaPackages  conda-forge packages, installed with micromamba
 * @param commands       shell commands run at build time, in order, after the packages
 * @param env            environment variables baked into the image
 * @param dockerfile     a whole Dockerfile; when set, the other fields but {@code files} must be empty
 * @param files          build-context files: relative path → base64 content; copied to {@code /app} unless a Dockerfile places them
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageSpec(
        String base,
        String pythonVersion,
        List<String> pythonPackages,
        List<String> condaPackages,
        List<String> commands,
        Map<String, String> env,
        String dockerfile,
        Map<String, String> files) {

    public static final String DEFAULT_BASE = "python:3.12-slim";
    /** Largest total of build-context files, decoded. */
    public static final int MAX_FILES_BYTES = 512 * 1024;

    private static final Pattern IMAGE_REF = Pattern.compile(
            "[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?");
    private static final Pattern FROM_LINE = Pattern.compile("(?i)^\\s*FROM\\s+(?:--\\S+\\s+)*(\\S+)(.*)$");
    private static final Pattern STAGE_NAME = Pattern.compile("(?i)\\s+AS\\s+(\\S+)\\s*$");
    private static final Pattern PYTHON_VERSION = Pattern.compile("3\\.[0-9]{1,2}");
    private static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-\\[\\],<>=!~*; \"'@:/+]*");
    private static final Pattern RELATIVE_PATH = Pattern.compile("(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9._/\\-]+");

    @JsonCreator
    public ImageSpec(
            @JsonProperty("base") String base,
            @JsonProperty("pythonVersion") String pythonVersion,
            @JsonProperty("pythonPackages") List<String> pythonPackages,
            @JsonProperty("condaPackages") List<String> condaPackages,
            @JsonProperty("commands") List<String> commands,
            @JsonProperty("env") Map<String, String> env,
            @JsonProperty("dockerfile") String dockerfile,
            @JsonProperty("files") Map<String, String> files) {
        this.base = blankToNull(base);
        this.pythonVersion = blankToNull(pythonVersion);
        this.pythonPackages = Checks.list(pythonPackages, "image.pythonPackages");
        this.condaPackages = Checks.list(condaPackages, "image.condaPackages");
        this.commands = Checks.list(commands, "image.commands");
        this.env = Checks.env(env, "image.env");
        this.dockerfile = blankToNull(dockerfile);
        this.files = files == null ? Map.of() : Map.copyOf(new TreeMap<>(files));
        validate();
    }

    private void validate() {
        if (base != null && (base.length() > 255 || !IMAGE_REF.matcher(base).matches())) {
            throw new InvalidSpecException("image.base", "Invalid image.base '" + Checks.shown(base)
                    + "'; give an image reference such as python:3.12-slim or debian:bookworm-slim");
        }
        if (pythonVersion != null && !PYTHON_VERSION.matcher(pythonVersion).matches()) {
            throw new InvalidSpecException("image.pythonVersion", "Invalid image.pythonVersion '" + Checks.shown(pythonVersion)
                    + "'; give a version such as 3.12");
        }
        if (base != null && pythonVersion != null) {
            throw new InvalidSpecException("image.pythonVersion", "image.base '" + base + "' and image.pythonVersion '" + pythonVersion
                    + "' are both set; pythonVersion picks python:" + pythonVersion + "-slim as base, so set only one");
        }
        packages(pythonPackages, "image.pythonPackages", "requests==2.32.3");
        packages(condaPackages, "image.condaPackages", "numpy");
        Checks.notBlankItems(commands, "image.commands", "'apt-get install -y curl'");
        if (dockerfile != null) {
            if (base != null || pythonVersion != null || !pythonPackages.isEmpty() || !condaPackages.isEmpty()
                    || !commands.isEmpty() || !env.isEmpty()) {
                throw new InvalidSpecException("image.dockerfile",
                        "image.dockerfile is set together with base, pythonVersion, packages, commands or env; put those into the Dockerfile instead");
            }
            if (!dockerfile.lines().map(String::strip).anyMatch(l -> l.regionMatches(true, 0, "FROM ", 0, 5))) {
                throw new InvalidSpecException("image.dockerfile", "image.dockerfile has no FROM line; start it with e.g. 'FROM python:3.12-slim'");
            }
            if (dockerfile.length() > 64 * 1024) {
                throw new InvalidSpecException("image.dockerfile", "image.dockerfile is " + dockerfile.length() + " characters; at most 65536 are allowed");
            }
        }
        long total = 0;
        for (Map.Entry<String, String> file : files.entrySet()) {
            String path = file.getKey();
            String field = "image.files." + path;
            if (path == null || path.length() > 255 || !RELATIVE_PATH.matcher(path).matches()) {
                throw new InvalidSpecException(field, "Invalid file path '" + Checks.shown(path)
                        + "' in image.files; use a relative path of letters, digits, '.', '_', '-' and '/' without '..'");
            }
            try {
                total += Base64.getDecoder().decode(file.getValue() == null ? "" : file.getValue()).length;
            } catch (IllegalArgumentException e) {
                throw new InvalidSpecException(field, "image.files." + path + " is not valid base64; encode the file's bytes with base64");
            }
        }
        if (total > MAX_FILES_BYTES) {
            throw new InvalidSpecException("image.files", "image.files hold " + total + " bytes; at most " + MAX_FILES_BYTES
                    + " are allowed: build large content into a base image or download it in image.commands");
        }
    }

    private static void packages(List<String> values, String field, String example) {
        for (int i = 0; i < values.size(); i++) {
            String p = values.get(i);
            if (p.isBlank() || p.length() > 200 || !PACKAGE.matcher(p).matches()) {
                throw new InvalidSpecException(field + "[" + i + "]", "Invalid package '" + Checks.shown(p) + "' in " + field
                        + "; give a requirement specifier such as " + example);
            }
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** An image of the default base image and nothing more. */
    public static ImageSpec defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The base image the build starts from: {@code base}, else {@code python:<pythonVersion>-slim}, else the default. */
    public String effectiveBase() {
        if (base != null) {
            return base;
        }
        return pythonVersion != null ? "python:" + pythonVersion + "-slim" : DEFAULT_BASE;
    }

    /**
     * The images a build of this spec starts from: {@link #effectiveBase()}, or for a Dockerfile the images of its
     * {@code FROM} lines — not earlier stages ({@code FROM build}), build-argument references ({@code $BASE}) or
     * {@code scratch}.
     */
    public List<String> baseImages() {
        if (dockerfile == null) {
            return List.of(effectiveBase());
        }
        List<String> bases = new ArrayList<>();
        Set<String> stages = new HashSet<>();
        for (String line : dockerfile.split("\n")) {
            Matcher from = FROM_LINE.matcher(line);
            if (from.matches()) {
                String image = from.group(1);
                if (!stages.contains(image.toLowerCase(Locale.ROOT)) && !image.contains("$") && !image.equalsIgnoreCase("scratch")) {
                    bases.add(image);
                }
                Matcher stage = STAGE_NAME.matcher(from.group(2));
                if (stage.find()) {
                    stages.add(stage.group(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        return List.copyOf(bases);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.base = base;
        b.pythonVersion = pythonVersion;
        b.pythonPackages.addAll(pythonPackages);
        b.condaPackages.addAll(condaPackages);
        b.commands.addAll(commands);
        b.env.putAll(env);
        b.dockerfile = dockerfile;
        b.files.putAll(files);
        return b;
    }

    /** Builds an {@link ImageSpec}; not thread-safe. */
    public static final class Builder {
        private String base;
        private String pythonVersion;
        private final List<String> pythonPackages = new ArrayList<>();
        private final List<String> condaPackages = new ArrayList<>();
        private final List<String> commands = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private String dockerfile;
        private final Map<String, String> files = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder base(String base) {
            this.base = base;
            return this;
        }

        public Builder pythonVersion(String pythonVersion) {
            this.pythonVersion = pythonVersion;
            return this;
        }

        public Builder pythonPackages(String... packages) {
            this.pythonPackages.addAll(List.of(packages));
            return this;
        }

        public Builder condaPackages(String... packages) {
            this.condaPackages.addAll(List.of(packages));
            return this;
        }

        public Builder commands(String... commands) {
            this.commands.addAll(List.of(commands));
            return this;
        }

        public Builder env(String name, String value) {
            this.env.put(name, value);
            return this;
        }

        public Builder dockerfile(String dockerfile) {
            this.dockerfile = dockerfile;
            return this;
        }

        /** Adds a build-context file. */
        public Builder file(String path, byte[] content) {
            this.files.put(path, Base64.getEncoder().encodeToString(content));
            return this;
        }

        public ImageSpec build() {
            return new ImageSpec(base, pythonVersion, pythonPackages, condaPackages, commands, env, dockerfile, files);
        }
    }
}

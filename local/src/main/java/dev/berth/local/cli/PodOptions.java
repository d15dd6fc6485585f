package dev.berth.local.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.InvalidSpecException;
import dev.berth.BerthClientException;
import dev.berth.internal.Json;
import dev.berth.pod.PodSpec;
import dev.berth.sdk.Image;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The flags that describe a pod (every PodSpec field), shared by {@code run} and {@code deploy}, and how they
 * combine with a template and a YAML file: template, then file, then flags; a flag replaces the field it sets
 * (lists too) except {@code --env}, which adds to the environment.
 */
final class PodOptions {
    /** Splits package lists at spaces and at commas that start a new name (not in {@code pkg>=1,<2} or {@code pkg[a,b]}). */
    private static final String PACKAGE_SPLIT = "\\s+|,(?=[A-Za-z])(?![^\\[]*\\])";
    private static final Pattern MEMORY = Pattern.compile("(\\d+)\\s*(Mi|M|MiB|Gi|G|GiB)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern GPU = Pattern.compile("([^:]+)(?::(\\d+))?");

    @Option(names = {"-f", "--file"}, paramLabel = "POD.yaml", order = 1,
            description = "Read the pod from this YAML file (PodSpec field names; paths relative to its folder); flags override it.")
    Path file;

    @Option(names = "--template", paramLabel = "NAME", order = 2,
            description = "Start from the platform's template NAME ('berth templates' lists them); the file and flags go on top.")
    String template;

    @Option(names = "--app", paramLabel = "PATH", order = 3,
            description = "With --template streamlit, web or static: your own app file or folder in place of the sample.")
    Path app;

    @Option(names = "--image", paramLabel = "REF", order = 10, description = "Base image (default python:3.12-slim), e.g. busybox:latest.")
    String image;

    @Option(names = "--python-version", paramLabel = "X.Y", order = 11, description = "Python on its slim image, python:X.Y-slim (instead of --image).")
    String pythonVersion;

    @Option(names = "--python-packages", paramLabel = "PKG", order = 12, split = PACKAGE_SPLIT, splitSynopsisLabel = ",",
            description = "pip packages (comma- or space-separated, repeatable), e.g. flask==3.0.3,requests.")
    List<String> pythonPackages;

    @Option(names = "--requirements", paramLabel = "FILE", order = 13, description = "A pip requirements file; its packages are added to --python-packages.")
    Path requirements;

    @Option(names = "--commands", paramLabel = "CMD", order = 14, description = "A shell command run at build time, after the packages. Repeatable, in order.")
    List<String> commands;

    @Option(names = "--conda-packages", paramLabel = "PKG", order = 15, split = PACKAGE_SPLIT, splitSynopsisLabel = ",",
            description = "conda-forge packages (comma- or space-separated, repeatable).")
    List<String> condaPackages;

    @Option(names = "--dockerfile", paramLabel = "PATH", order = 16,
            description = "Build from this Dockerfile instead; the files beside it are its context (at most 512 KiB).")
    Path dockerfile;

    @Option(names = "--entrypoint", paramLabel = "COMMAND", order = 20,
            description = "The command the container runs, one shell-quoted string, e.g. \"python3 -m http.server 8000\".")
    String entrypoint;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", order = 21, split = ",",
            description = "A port the server listens on; each gets its own HTTPS URL. Repeatable or comma-separated.")
    List<Integer> ports;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", order = 22, description = "An environment variable of the container. Repeatable.")
    Map<String, String> env;

    @Option(names = "--cpu", paramLabel = "CORES", order = 23, description = "CPU cores, 0.125 to 64 (default 1).")
    Double cpu;

    @Option(names = "--memory", paramLabel = "SIZE", order = 24, description = "Memory: MiB (2048) or with a unit (512Mi, 2Gi); default 1024 MiB.")
    String memory;

    @Option(names = "--gpu", paramLabel = "TYPE[:COUNT]", order = 25, description = "GPUs: any, T4, L4, A10G, A100-40, A100-80 or H100, e.g. A10G or A100-80:2.")
    String gpu;

    @Option(names = "--keep-warm-seconds", paramLabel = "N", order = 26,
            description = "Stop after N seconds without connections (default 600; -1 never; 0 as soon as idle).")
    Integer keepWarmSeconds;

    @Option(names = "--authorized", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", order = 27,
            description = "The URLs require a token; it is printed as ?auth_token=… on the URL.")
    Boolean authorized;

    @Option(names = "--block-network", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", order = 28,
            description = "The container gets no route out of the host.")
    Boolean blockNetwork;

    /** The template's spec with the user's app (file or folder) in place of its sample. */
    private PodSpec withApp(PodSpec templateSpec) {
        dev.berth.templates.BuiltInTemplates builtIn = new dev.berth.templates.BuiltInTemplates();
        String appFile = builtIn.appFile(template).orElseThrow(() -> new UsageException("--app: template '" + template
                + "' takes no app; templates that run your app: " + builtIn.list().stream().map(dev.berth.template.Template::name)
                .filter(n -> builtIn.appFile(n).isPresent()).collect(java.util.stream.Collectors.joining(", "))));
        return dev.berth.templates.AppFiles.withApp(template, templateSpec, appFile, app);
    }

    /** Which source set each field (for errors): a flag, a file line, or a template. */
    private final Map<String, String> origin = new HashMap<>();
    private SpecFile specFile;

    /**
     * The spec: {@code templateSpec} (or nothing), the file, then the flags, validated as a whole.
     *
     * @param name the deployment name, or {@code null}
     * @throws UsageException naming the flag or the file and line of a bad value
     */
    PodSpec spec(PodSpec templateSpec, String name) {
        ObjectNode spec = Json.MAPPER.createObjectNode();
        if (app != null && templateSpec == null) {
            throw new UsageException("--app needs --template (streamlit, web or static)");
        }
        if (templateSpec != null) {
            PodSpec base = app == null ? templateSpec : withApp(templateSpec);
            overlay(spec, (ObjectNode) Json.MAPPER.valueToTree(base), "template " + template);
        }
        if (file != null) {
            specFile = SpecFile.read(file);
            overlay(spec, specFile.spec(), file.toString());
        }
        overlay(spec, flags(name), null);
        try {
            return Json.MAPPER.treeToValue(spec, PodSpec.class);
        } catch (JsonMappingException e) {
            InvalidSpecException invalid = cause(e, InvalidSpecException.class);
            if (invalid != null) {
                throw new UsageException(whereFrom(invalid.field()) + ": " + invalid.getMessage(), invalid);
            }
            String field = path(e);
            throw new UsageException(whereFrom(field) + ": '" + field + "' has the wrong type (" + e.getOriginalMessage()
                    + "); see 'berth run --help' for the format", e);
        } catch (JsonProcessingException e) {
            throw new UsageException("Cannot read the pod spec: " + e.getOriginalMessage(), e);
        }
    }

    private ObjectNode flags(String name) {
        ObjectNode f = Json.MAPPER.createObjectNode();
        ObjectNode img = Json.MAPPER.createObjectNode();
        if (name != null) {
            f.put("name", name);
        }
        if (image != null) {
            img.put("base", image);
        }
        if (pythonVersion != null) {
            img.put("pythonVersion", pythonVersion);
        }
        if (pythonPackages != null || requirements != null) {
            ArrayNode packages = img.putArray("pythonPackages");
            if (pythonPackages != null) {
                pythonPackages.stream().filter(p -> !p.isBlank()).forEach(packages::add);
            }
            if (requirements != null) {
                if (!Files.isRegularFile(requirements)) {
                    throw new UsageException("--requirements " + requirements + ": no such file; give the path of a pip requirements file");
                }
                try {
                    Image.defaults().requirementsFile(requirements).build().pythonPackages().forEach(packages::add);
                } catch (BerthClientException e) {
                    throw new UsageException("--requirements: " + e.getMessage(), e);
                }
            }
        }
        if (commands != null) {
            commands.forEach(img.withArray("commands")::add);
        }
        if (condaPackages != null) {
            condaPackages.stream().filter(p -> !p.isBlank()).forEach(img.withArray("condaPackages")::add);
        }
        if (dockerfile != null) {
            if (!Files.isRegularFile(dockerfile)) {
                throw new UsageException("--dockerfile " + dockerfile + ": no such file; give the path of a Dockerfile");
            }
            var built = Image.fromDockerfile(dockerfile, dockerfile.toAbsolutePath().getParent()).build();
            img.put("dockerfile", built.dockerfile());
            ObjectNode files = img.putObject("files");
            built.files().forEach(files::put);
        }
        if (!img.isEmpty()) {
            f.set("image", img);
        }
        if (entrypoint != null) {
            ArrayNode words = f.putArray("entrypoint");
            try {
                ShellWords.split(entrypoint).forEach(words::add);
            } catch (RuntimeException e) {
                throw new UsageException(e.getMessage());
            }
        }
        if (ports != null) {
            ports.forEach(f.withArray("ports")::add);
        }
        if (env != null) {
            ObjectNode e = f.putObject("env");
            env.forEach(e::put);
        }
        if (cpu != null) {
            f.put("cpu", cpu);
        }
        if (memory != null) {
            f.put("memoryMiB", memoryMiB(memory));
        }
        if (gpu != null) {
            Matcher m = GPU.matcher(gpu.strip());
            if (!m.matches()) {
                throw new UsageException("--gpu '" + gpu + "': give TYPE or TYPE:COUNT, e.g. T4 or A100-80:2");
            }
            f.put("gpu", m.group(1));
            f.put("gpuCount", m.group(2) == null ? 1 : Integer.parseInt(m.group(2)));
        }
        if (keepWarmSeconds != null) {
            f.put("keepWarmSeconds", keepWarmSeconds);
        }
        if (authorized != null) {
            f.put("authorized", authorized);
        }
        if (blockNetwork != null) {
            f.put("blockNetwork", blockNetwork);
        }
        return f;
    }

    static int memoryMiB(String text) {
        Matcher m = MEMORY.matcher(text.strip());
        if (!m.matches()) {
            throw new UsageException("--memory '" + text + "': give MiB as a whole number (2048) or with a unit (512Mi, 2Gi)");
        }
        long value = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase();
        long mib = unit.startsWith("g") ? value * 1024 : value;
        return (int) Math.min(mib, Integer.MAX_VALUE);
    }

    /** Lays {@code layer} over {@code target}; {@code source} null = flags (their origin is the flag of each field). */
    private void overlay(ObjectNode target, ObjectNode layer, String source) {
        for (Iterator<Map.Entry<String, JsonNode>> it = layer.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            if (key.equals("env") && field.getValue().isObject()) {
                ObjectNode env = target.withObject("env");
                field.getValue().fields().forEachRemaining(e -> {
                    env.set(e.getKey(), e.getValue());
                    origin.put("env." + e.getKey(), source == null ? "--env" : source);
                });
                origin.put("env", source == null ? "--env" : source);
            } else if (key.equals("image") && field.getValue().isObject() && target.path("image").isObject()) {
                ObjectNode img = (ObjectNode) target.get("image");
                JsonNode layerImage = field.getValue();
                // Each way of choosing the base replaces the others.
                if (layerImage.has("base") || layerImage.has("pythonVersion") || layerImage.has("dockerfile")) {
                    img.remove(List.of("base", "pythonVersion", "dockerfile"));
                }
                layerImage.fields().forEachRemaining(e -> {
                    if ((e.getKey().equals("env") || e.getKey().equals("files")) && img.path(e.getKey()).isObject() && e.getValue().isObject()) {
                        e.getValue().fields().forEachRemaining(x -> ((ObjectNode) img.get(e.getKey())).set(x.getKey(), x.getValue()));
                    } else {
                        img.set(e.getKey(), e.getValue());
                    }
                    origin.put("image." + e.getKey(), source == null ? flagOf("image." + e.getKey()) : source);
                });
            } else {
                target.set(key, field.getValue().deepCopy());
                if (key.equals("image")) {
                    field.getValue().fieldNames().forEachRemaining(k -> origin.put("image." + k, source == null ? flagOf("image." + k) : source));
                }
                origin.put(key, source == null ? flagOf(key) : source);
            }
        }
    }

    /** Where a bad field came from: the flag, the file and line, or the template. */
    private String whereFrom(String field) {
        if (field == null || field.isEmpty()) {
            return file != null ? file.toString() : "the pod";
        }
        String f = field;
        String source = null;
        while (source == null && !f.isEmpty()) {
            source = origin.get(f);
            int cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
            f = cut < 0 ? "" : f.substring(0, cut);
        }
        if (source == null) {
            return flagOf(field) + " (or '" + field + "' in -f FILE)";
        }
        if (specFile != null && source.equals(file.toString())) {
            return specFile.where(field);
        }
        return source;
    }

    /** The flag that sets a PodSpec field. */
    static String flagOf(String field) {
        String root = field.replaceAll("\\[.*", "");
        return switch (root.startsWith("image.") ? root.split("\\.")[0] + "." + root.split("\\.")[1] : root.split("\\.")[0]) {
            case "name" -> "--name";
            case "image.base" -> "--image";
            case "image.pythonVersion" -> "--python-version";
            case "image.pythonPackages" -> "--python-packages";
            case "image.condaPackages" -> "--conda-packages";
            case "image.commands" -> "--commands";
            case "image.dockerfile", "image.files" -> "--dockerfile";
            case "entrypoint" -> "--entrypoint";
            case "ports" -> "--port";
            case "env" -> "--env";
            case "cpu" -> "--cpu";
            case "memoryMiB" -> "--memory";
            case "gpu", "gpuCount" -> "--gpu";
            case "keepWarmSeconds" -> "--keep-warm-seconds";
            case "authorized" -> "--authorized";
            case "blockNetwork" -> "--block-network";
            default -> "'" + field + "'";
        };
    }

    private static String path(JsonMappingException e) {
        StringBuilder f = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                f.append(f.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                f.append('[').append(r.getIndex()).append(']');
            }
        }
        return f.toString();
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}

package dev.berth.local.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.berth.sdk.Image;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A pod described in YAML ({@code berth run -f pod.yaml}) with the REST PodSpec's field names. Paths in it
 * ({@code image.dockerfile} when it is not the Dockerfile's text, {@code image.files} values,
 * {@code image.requirements}) are relative to the file's folder. Errors name the file, the line and the fix.
 */
final class SpecFile {
    static final Set<String> FIELDS = Set.of("name", "image", "entrypoint", "ports", "env", "cpu", "memoryMiB", "gpu", "gpuCount",
            "keepWarmSeconds", "authorized", "blockNetwork");
    static final Set<String> IMAGE_FIELDS = Set.of("base", "pythonVersion", "pythonPackages", "requirements", "condaPackages",
            "commands", "env", "dockerfile", "files");
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path file;
    private final Map<String, Integer> lines;
    private final ObjectNode spec;

    private SpecFile(Path file, Map<String, Integer> lines, ObjectNode spec) {
        this.file = file;
        this.lines = lines;
        this.spec = spec;
    }

    /** The spec as PodSpec JSON: paths read, files base64-encoded; not yet validated as a whole. */
    ObjectNode spec() {
        return spec;
    }

    Path file() {
        return file;
    }

    /** {@code file:line} of a field such as {@code ports[0]} or {@code image.pythonVersion} (nearest enclosing field). */
    String where(String field) {
        String f = field;
        while (!f.isEmpty()) {
            Integer line = lines.get(f);
            if (line != null) {
                return file + ":" + line;
            }
            int cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
            f = cut < 0 ? "" : f.substring(0, cut);
        }
        return file.toString();
    }

    static SpecFile read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("-f " + file + ": no such file; give the path of a pod YAML file (see 'berth run --help')");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UsageException("-f " + file + ": cannot read it (" + e.getMessage() + "); make it readable", e);
        }
        Map<String, Integer> lines = new HashMap<>();
        JsonNode root;
        try {
            index(text, lines);
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new UsageException(file + (at != null ? ":" + at.getLineNr() : "") + ": not valid YAML (" + e.getOriginalMessage().strip()
                    + "); fix the syntax — fields are 'name: value', lists '- item' or [a, b]", e);
        } catch (IOException e) {
            throw new UsageException("-f " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new UsageException(file + ": the file is empty; give at least 'entrypoint' (and 'ports' for a server)");
        }
        if (!root.isObject()) {
            throw new UsageException(file + ":1: the file must be a mapping of PodSpec fields (entrypoint: …, ports: […]), not a "
                    + root.getNodeType().toString().toLowerCase());
        }
        SpecFile spec = new SpecFile(file, lines, (ObjectNode) root);
        spec.resolve();
        return spec;
    }

    /** Records the line of every field and list item, as {@code image.pythonPackages[1]}. */
    private static void index(String text, Map<String, Integer> lines) throws IOException {
        try (JsonParser parser = new YAMLFactory().createParser(text)) {
            for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    continue;
                }
                String pointer = parser.getParsingContext().pathAsPointer().toString();
                if (t != JsonToken.FIELD_NAME && parser.getParsingContext().inObject()) {
                    continue; // a field's value: its name's line is the one to show
                }
                lines.putIfAbsent(field(pointer), parser.currentTokenLocation().getLineNr());
            }
        }
    }

    /** {@code /image/pythonPackages/1} → {@code image.pythonPackages[1]}. */
    private static String field(String pointer) {
        StringBuilder f = new StringBuilder();
        for (String part : pointer.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            String p = part.replace("~1", "/").replace("~0", "~");
            if (p.chars().allMatch(Character::isDigit)) {
                f.append('[').append(p).append(']');
            } else {
                f.append(f.isEmpty() ? "" : ".").append(p);
            }
        }
        return f.toString();
    }

    private void resolve() {
        known(spec, FIELDS, "");
        JsonNode entrypoint = spec.get("entrypoint");
        if (entrypoint != null && entrypoint.isTextual()) {
            var words = spec.putArray("entrypoint");
            try {
                ShellWords.split(entrypoint.asText()).forEach(words::add);
            } catch (RuntimeException e) {
                throw new UsageException(where("entrypoint") + ": " + e.getMessage());
            }
        }
        JsonNode image = spec.get("image");
        if (image == null) {
            return;
        }
        if (!image.isObject()) {
            throw new UsageException(where("image") + ": 'image' must be a mapping (base: …, pythonPackages: […], …)");
        }
        ObjectNode img = (ObjectNode) image;
        known(img, IMAGE_FIELDS, "image.");
        Path dir = file.toAbsolutePath().getParent();
        Map<String, String> files = new LinkedHashMap<>();
        JsonNode dockerfile = img.get("dockerfile");
        if (dockerfile != null && dockerfile.isTextual() && !dockerfile.asText().contains("\n")) {
            Path path = dir.resolve(dockerfile.asText().strip());
            if (!Files.isRegularFile(path)) {
                throw new UsageException(where("image.dockerfile") + ": no Dockerfile at " + path
                        + "; give its path relative to " + dir + " (or the Dockerfile's text as a block: dockerfile: |)");
            }
            var built = Image.fromDockerfile(path, path.getParent()).build();
            img.put("dockerfile", built.dockerfile());
            files.putAll(built.files());
        }
        JsonNode requirements = img.remove("requirements");
        if (requirements != null) {
            Path path = dir.resolve(requirements.asText());
            if (!Files.isRegularFile(path)) {
                throw new UsageException(where("image.requirements") + ": no requirements file at " + path + "; give its path relative to " + dir);
            }
            var packages = img.withArray("pythonPackages");
            try {
                Image.defaults().requirementsFile(path).build().pythonPackages().forEach(packages::add);
            } catch (RuntimeException e) {
                throw new UsageException(where("image.requirements") + ": " + e.getMessage(), e);
            }
        }
        JsonNode declared = img.get("files");
        if (declared != null) {
            if (!declared.isObject()) {
                throw new UsageException(where("image.files") + ": 'files' must map a path in the image to a local path, e.g. app.py: ./app.py");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = declared.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                Path local = dir.resolve(entry.getValue().asText(""));
                String at = where("image.files." + entry.getKey());
                if (!Files.exists(local)) {
                    throw new UsageException(at + ": no file or folder at " + local + "; give a path relative to " + dir);
                }
                for (Path f : regularFiles(local)) {
                    String target = Files.isDirectory(local) ? entry.getKey() + "/" + local.relativize(f).toString().replace('\\', '/') : entry.getKey();
                    try {
                        files.put(target, Base64.getEncoder().encodeToString(Files.readAllBytes(f)));
                    } catch (IOException e) {
                        throw new UsageException(at + ": cannot read " + f + " (" + e.getMessage() + ")", e);
                    }
                }
            }
        }
        if (!files.isEmpty()) {
            ObjectNode node = img.putObject("files");
            files.forEach(node::put);
        }
    }

    private void known(ObjectNode node, Set<String> fields, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!fields.contains(name)) {
                throw new UsageException(where(prefix + name) + ": unknown field '" + prefix + name + "'; known fields"
                        + (prefix.isEmpty() ? "" : " of image") + ": " + String.join(", ", fields.stream().sorted().toList()));
            }
        }
    }

    private static List<Path> regularFiles(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> walk = Files.walk(path)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UsageException("Cannot list " + path + " (" + e.getMessage() + ")", e);
        }
    }
}

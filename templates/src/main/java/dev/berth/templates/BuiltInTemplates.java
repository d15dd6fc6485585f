package dev.berth.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.internal.Json;
import dev.berth.pod.PodSpec;
import dev.berth.template.Template;
import dev.berth.template.TemplateCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The templates that ship with Berth: jupyter, streamlit, reflex, comfyui, code-sandbox, static and web.
 *
 * <p>Each lives under {@code dev/berth/templates/<name>/} as a {@code template.json} (description, the pod
 * spec, the files it needs and, for templates that run a user's app, the {@code appFile} the entrypoint
 * runs) beside those files; the files are embedded into {@code spec.image.files} (or, with a
 * {@code dockerfile}, become its build context), so the spec alone is enough to build the image anywhere.
 *
 * <pre>{@code
 * TemplateCatalog catalog = new BuiltInTemplates();
 * PodSpec spec = catalog.get("streamlit").spec();
 * }</pre>
 *
 * <p>Immutable and thread-safe; the resources are read once, by the constructor.
 */
public final class BuiltInTemplates implements TemplateCatalog {
    private static final String ROOT = "/dev/berth/templates/";

    private final List<Template> templates;
    private final Map<String, String> appFiles;

    public BuiltInTemplates() {
        List<Template> list = new ArrayList<>();
        Map<String, String> apps = new LinkedHashMap<>();
        for (String name : read(ROOT + "catalog.txt").lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            JsonNode json = readJson(name);
            list.add(load(name, json));
            if (json.hasNonNull("appFile")) {
                apps.put(name, json.get("appFile").asText());
            }
        }
        this.templates = List.copyOf(list);
        this.appFiles = Map.copyOf(apps);
    }

    @Override
    public List<Template> list() {
        return templates;
    }

    /**
     * The file a template's entrypoint runs from {@code /app} (such as {@code app.py}), for templates that take a
     * user's app; empty for the others (jupyter, comfyui, code-sandbox, reflex).
     */
    public Optional<String> appFile(String template) {
        get(template);
        return Optional.ofNullable(appFiles.get(template));
    }

    private static Template load(String name, JsonNode json) {
        ObjectNode specJson = (ObjectNode) json.get("spec").deepCopy();
        ObjectNode image = specJson.has("image") ? (ObjectNode) specJson.get("image") : specJson.putObject("image");
        ObjectNode files = image.putObject("files");
        for (JsonNode file : json.path("files")) {
            files.put(file.asText(), Base64.getEncoder().encodeToString(bytes(ROOT + name + "/" + file.asText())));
        }
        if (json.hasNonNull("dockerfile")) {
            image.put("dockerfile", read(ROOT + name + "/" + json.get("dockerfile").asText()));
        }
        PodSpec spec = Json.MAPPER.convertValue(specJson, PodSpec.class);
        return new Template(name, json.path("description").asText(), spec, json.path("requiresGpu").asBoolean(false));
    }

    private static JsonNode readJson(String name) {
        try {
            return Json.MAPPER.readTree(read(ROOT + name + "/template.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("Template '" + name + "' has a malformed template.json", e);
        }
    }

    private static String read(String resource) {
        return new String(bytes(resource), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = BuiltInTemplates.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Missing template resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read template resource " + resource, e);
        }
    }
}

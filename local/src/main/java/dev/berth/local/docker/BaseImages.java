package dev.berth.local.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.berth.BerthServiceException;
import dev.berth.InvalidSpecException;
import dev.berth.image.ImageSpec;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps public base image names ({@code python:3.12-slim}) to images built locally ({@code berth/python:3.11}),
 * since no registry can be pulled from. The image builder rewrites every {@code FROM} line through it.
 *
 * <p>The mapping comes from a properties file ({@code name=localImage}, written by
 * {@code scripts/base-images.sh} to {@code ~/.berth/base-images.properties}) and/or a map. Names are
 * normalized: {@code busybox} and {@code docker.io/library/busybox:latest} are the same name.
 *
 * <p>Thread-safe (immutable).
 */
public final class BaseImages {
    /** The file name of the mapping under the Berth home directory. */
    public static final String FILE_NAME = "base-images.properties";

    private static final Pattern FROM = Pattern.compile("(?i)^(\\s*FROM\\s+)((?:--\\S+\\s+)*)(\\S+)(.*)$");
    private static final Pattern STAGE = Pattern.compile("(?i)\\s+AS\\s+(\\S+)\\s*$");

    private final Map<String, String> mapping;
    private final Predicate<String> present;
    private final String source;

    /**
     * @param mapping public name → local image
     * @param present whether the engine holds an image of this name (for unmapped names)
     * @param source  where the mapping lives, named in error messages
     */
    public BaseImages(Map<String, String> mapping, Predicate<String> present, String source) {
        Map<String, String> normalized = new TreeMap<>();
        mapping.forEach((name, local) -> normalized.put(normalize(name), local.strip()));
        this.mapping = java.util.Collections.unmodifiableMap(normalized);
        this.present = present;
        this.source = source;
    }

    /** A mapping from a map, checking unmapped names against the engine. */
    public static BaseImages of(Map<String, String> mapping, DockerClient docker) {
        return new BaseImages(mapping, engineHas(docker), "~/.berth/" + FILE_NAME);
    }

    /**
     * The mapping in {@code file} (if it exists) plus {@code extra} (which wins), checking unmapped names
     * against the engine.
     */
    public static BaseImages load(Path file, Map<String, String> extra, DockerClient docker) {
        Map<String, String> mapping = new LinkedHashMap<>();
        if (Files.isRegularFile(file)) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new BerthServiceException("Cannot read the base image mapping " + file + ": " + e.getMessage()
                        + "; fix its permissions or rerun scripts/base-images.sh", e);
            }
            properties.stringPropertyNames().forEach(name -> mapping.put(name, properties.getProperty(name)));
        }
        mapping.putAll(extra);
        return new BaseImages(mapping, engineHas(docker), file.toString());
    }

    /** {@code $BERTH_HOME/base-images.properties}, by default {@code ~/.berth/base-images.properties}. */
    public static Path defaultFile(Map<String, String> env) {
        return dev.berth.local.LocalConfig.home(env).resolve(FILE_NAME);
    }

    /** The public names mapped, sorted. */
    public Set<String> names() {
        return mapping.keySet();
    }

    /** The local image for a public name, or the name itself if it is not mapped. */
    public String resolve(String name) {
        return mapping.getOrDefault(normalize(name), name);
    }

    /** The Dockerfile with the image of every {@code FROM} line (not a build stage, not scratch) mapped. */
    public String rewrite(String dockerfile) {
        Set<String> stages = new HashSet<>();
        StringBuilder out = new StringBuilder(dockerfile.length() + 64);
        for (String line : dockerfile.split("\n", -1)) {
            Matcher m = FROM.matcher(line);
            if (m.matches()) {
                String image = m.group(3);
                String rest = m.group(4);
                if (!stages.contains(image.toLowerCase()) && !image.contains("$")) {
                    image = resolve(image);
                }
                Matcher stage = STAGE.matcher(rest);
                if (stage.find()) {
                    stages.add(stage.group(1).toLowerCase());
                }
                out.append(m.group(1)).append(m.group(2)).append(image).append(rest);
            } else {
                out.append(line);
            }
            out.append('\n');
        }
        out.setLength(out.length() - 1);
        return out.toString();
    }

    /**
     * Checks that every base image of a spec is mapped or held by the engine.
     *
     * @throws InvalidSpecException naming {@code image.base} (also for a Dockerfile's FROM) and the mapped names
     */
    public void validate(ImageSpec spec) {
        // image.base also for a Dockerfile's FROM: it is the spec's base either way, and clients point at one field.
        String field = "image.base";
        String where = spec.dockerfile() != null ? "a FROM line of image.dockerfile" : field;
        for (String base : spec.baseImages()) {
            String normalized = normalize(base);
            String local = mapping.get(normalized);
            if (local != null) {
                if (!present.test(local)) {
                    throw new InvalidSpecException(field, "Base image '" + base + "' in " + where + " maps to '" + local
                            + "' (" + source + "), which the container engine does not hold; build it with scripts/base-images.sh");
                }
            } else if (!present.test(base)) {
                throw new InvalidSpecException(field, "Unknown base image '" + base + "' in " + where
                        + "; no registry is reachable here, so use one of the mapped bases: "
                        + (mapping.isEmpty() ? "(none; run scripts/base-images.sh)" : String.join(", ", mapping.keySet()))
                        + " or map it in " + source);
            }
        }
    }

    /** {@code busybox}, {@code docker.io/library/busybox:latest} → {@code busybox:latest}. */
    static String normalize(String name) {
        String n = name.strip();
        for (String prefix : List.of("docker.io/library/", "index.docker.io/library/", "docker.io/")) {
            if (n.startsWith(prefix)) {
                n = n.substring(prefix.length());
                break;
            }
        }
        int slash = n.lastIndexOf('/');
        if (!n.contains("@") && n.indexOf(':', slash + 1) < 0) {
            n = n + ":latest";
        }
        return n;
    }

    private static Predicate<String> engineHas(DockerClient docker) {
        return image -> {
            try {
                docker.inspectImageCmd(image).exec();
                return true;
            } catch (NotFoundException e) {
                return false;
            }
        };
    }
}

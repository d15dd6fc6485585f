package dev.berth.image;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a container build needs: a Dockerfile and the files beside it.
 *
 * @param files relative path → bytes; never contains {@code Dockerfile}
 */
public record BuildContext(String dockerfile, Map<String, byte[]> files) {
    public BuildContext {
        Objects.requireNonNull(dockerfile, "dockerfile");
        files = files == null ? Map.of() : Map.copyOf(new TreeMap<>(files));
    }
}

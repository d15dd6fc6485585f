package dev.berth.image;

import dev.berth.image.internal.Tar;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
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

    /** This context with another Dockerfile (say, with its base images mapped). */
    public BuildContext withDockerfile(String newDockerfile) {
        return new BuildContext(newDockerfile, files);
    }

    /**
     * The context as a tar archive: {@code Dockerfile} at the root, then the files by path. The same context always
     * gives the same bytes.
     *
     * @throws IllegalArgumentException for a file path the archive format cannot hold
     */
    public byte[] tar() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("Dockerfile", dockerfile.getBytes(StandardCharsets.UTF_8));
        entries.putAll(new TreeMap<>(files));
        return Tar.of(entries);
    }
}

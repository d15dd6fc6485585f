package dev.berth.templates;

import dev.berth.InvalidSpecException;
import dev.berth.image.ImageSpec;
import dev.berth.pod.PodSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Puts a user's own app into a template's spec ({@code berth run --template streamlit --app my_app.py}).
 *
 * <p>A file replaces the template's files and becomes the template's app file (such as {@code app.py}); a
 * folder replaces them with its files (hidden entries, {@code __pycache__}, {@code node_modules} and virtual
 * environments left out) and must hold the app file at its top. A folder's {@code requirements.txt} is
 * installed in its own layer after the template's packages, so the template's heavy layers stay cached.
 */
public final class AppFiles {
    private static final Set<String> SKIPPED_DIRS = Set.of("__pycache__", "node_modules", "venv", ".venv", ".git");

    private AppFiles() {
    }

    /**
     * The spec with the app at {@code app} in place of the template's files.
     *
     * @param template the template's name, for messages
     * @param appFile  the file the template's entrypoint runs, e.g. {@code app.py}
     * @throws InvalidSpecException with field {@code --app} when the path is missing, empty, lacks the app file, or is too big
     */
    public static PodSpec withApp(String template, PodSpec spec, String appFile, Path app) {
        if (spec.image().dockerfile() != null) {
            throw new InvalidSpecException("--app", "Template '" + template + "' builds from a Dockerfile and takes no --app");
        }
        ImageSpec.Builder files = ImageSpec.builder();
        List<String> requirements = new ArrayList<>();
        try {
            if (Files.isRegularFile(app)) {
                files.file(appFile, Files.readAllBytes(app));
            } else if (Files.isDirectory(app)) {
                if (!Files.isRegularFile(app.resolve(appFile))) {
                    throw new InvalidSpecException("--app", "The folder " + app + " has no " + appFile + "; template '" + template
                            + "' runs " + appFile + " from the folder's top: rename your main file or pass the file itself");
                }
                long total = 0;
                for (Path file : files(app)) {
                    total += Files.size(file);
                    if (total > ImageSpec.MAX_FILES_BYTES) {
                        throw new InvalidSpecException("--app", "The files of " + app + " exceed " + ImageSpec.MAX_FILES_BYTES / 1024
                                + " KiB; leave data out of the app folder (download it at start) or build a base image with it");
                    }
                    files.file(app.relativize(file).toString(), Files.readAllBytes(file));
                }
                Path requirementsFile = app.resolve("requirements.txt");
                if (Files.isRegularFile(requirementsFile)) {
                    requirements.addAll(Files.readAllLines(requirementsFile).stream().map(AppFiles::requirement)
                            .filter(r -> !r.isEmpty()).toList());
                }
            } else {
                throw new InvalidSpecException("--app", "No file or folder at --app " + app + "; give your " + appFile
                        + " or the folder that holds it");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read --app " + app, e);
        }
        ImageSpec old = spec.image();
        List<String> commands = new ArrayList<>(old.commands());
        if (!requirements.isEmpty()) {
            commands.add("python3 -m pip install " + requirements.stream().map(r -> "'" + r.replace("'", "'\\''") + "'")
                    .collect(Collectors.joining(" ")));
        }
        ImageSpec image = new ImageSpec(old.base(), old.pythonVersion(), old.pythonPackages(), old.condaPackages(), commands,
                old.env(), null, files.build().files());
        return spec.toBuilder().image(image).build();
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(f -> {
                        for (Path part : dir.relativize(f)) {
                            String name = part.toString();
                            if (name.startsWith(".") || SKIPPED_DIRS.contains(name)) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .sorted().toList();
        }
    }

    /** A requirements line without comments; pip options ({@code -r}, {@code --index-url}) are not supported. */
    private static String requirement(String line) {
        String r = line.replaceFirst("\\s+#.*$", "").strip();
        if (r.startsWith("#")) {
            return "";
        }
        if (r.startsWith("-")) {
            throw new InvalidSpecException("--app", "requirements.txt line '" + r + "' is a pip option; list only packages "
                    + "(e.g. pandas==2.2.3) in an --app folder's requirements.txt");
        }
        return r;
    }
}

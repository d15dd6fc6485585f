package dev.berth.sdk;

import dev.berth.BerthClientException;
import dev.berth.ErrorCode;
import dev.berth.InvalidSpecException;
import dev.berth.image.ImageSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Describes a pod's container image; {@link #build()} turns it into core's {@link ImageSpec}. Start from a
 * static factory, add to it, pass it to {@link Pod.Builder#image(Image)}:
 *
 * <pre>{@code
 * Image image = Image.python("3.12")
 *         .pythonPackages("flask==3.0.3")
 *         .commands("apt-get update && apt-get install -y curl")
 *         .env("APP_MODE", "demo")
 *         .addLocalPath(Path.of("app.py"), "app.py");          // → /app/app.py
 * }</pre>
 *
 * <p><b>Local files.</b> {@link #addLocalPath(Path, String)} reads the file (or every file under a directory)
 * when called and ships its bytes in the spec ({@link ImageSpec#files()}, at most
 * {@value ImageSpec#MAX_FILES_BYTES} bytes in all). For an image built from parts (base or Python version,
 * packages, commands) the files are copied to {@code /app}, the working directory, after the commands: the
 * path in the image must therefore be relative (to {@code /app}) or lie under {@code /app}. For a Dockerfile
 * image ({@link #fromDockerfile(Path, Path)}, {@link #fromDockerfile(String)}) any absolute path works: the file
 * joins the build context and a {@code COPY} line is appended to the Dockerfile.
 *
 * <p>Not thread-safe; validation happens in {@link #build()} and throws core's {@link InvalidSpecException}
 * naming the field.
 */
public final class Image {
    private static final String APP_DIR = "/app/";

    private String base;
    private String pythonVersion;
    private final List<String> pythonPackages = new ArrayList<>();
    private final List<String> condaPackages = new ArrayList<>();
    private final List<String> commands = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String dockerfile;
    private final List<String> copyLines = new ArrayList<>();
    private final Map<String, byte[]> files = new LinkedHashMap<>();

    private Image() {
    }

    /** The default base image ({@value ImageSpec#DEFAULT_BASE}). */
    public static Image defaults() {
        return new Image();
    }

    /** Python {@code version} (such as {@code 3.12}) on its slim Debian image, {@code python:<version>-slim}. */
    public static Image python(String version) {
        Image image = new Image();
        image.pythonVersion = version;
        return image;
    }

    /** A registry image as base, such as {@code debian:bookworm-slim} or {@code ghcr.io/org/app:1.2}. */
    public static Image fromRegistry(String reference) {
        Image image = new Image();
        image.base = reference;
        return image;
    }

    /** A whole Dockerfile given as text, with no build context but what {@link #addLocalPath} adds. */
    public static Image fromDockerfile(String dockerfile) {
        Image image = new Image();
        image.dockerfile = Objects.requireNonNull(dockerfile, "dockerfile");
        return image;
    }

    /**
     * A Dockerfile and its build context directory: every regular file under {@code contextDirectory} is
     * read now and shipped at its relative path (the Dockerfile itself excepted; {@code .dockerignore} is not
     * applied, so keep the directory small).
     */
    public static Image fromDockerfile(Path dockerfile, Path contextDirectory) {
        Image image = fromDockerfile(read(dockerfile, "image.dockerfile", "give the path of an existing Dockerfile"));
        if (!Files.isDirectory(contextDirectory)) {
            throw new BerthClientException(ErrorCode.INVALID_REQUEST, "image.files", "Build context " + contextDirectory
                    + " is not a directory; give the directory the Dockerfile's COPY lines are relative to");
        }
        Path skip = dockerfile.toAbsolutePath().normalize();
        for (Path file : regularFiles(contextDirectory)) {
            if (!file.toAbsolutePath().normalize().equals(skip)) {
                image.files.put(relative(contextDirectory, file), readBytes(file));
            }
        }
        return image;
    }

    public Image pythonPackages(String... packages) {
        return pythonPackages(List.of(packages));
    }

    public Image pythonPackages(List<String> packages) {
        pythonPackages.addAll(packages);
        return this;
    }

    /**
     * The packages of a pip requirements file: one specifier a line; blank lines and {@code #} comments are
     * skipped. pip options ({@code -r}, {@code -e}, {@code --index-url}, …) are refused with the file and line.
     */
    public Image requirementsFile(Path requirements) {
        List<String> lines = read(requirements, "image.pythonPackages", "give the path of an existing requirements file").lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf(" #");
            String spec = (line.stripLeading().startsWith("#") ? "" : hash >= 0 ? line.substring(0, hash) : line).strip();
            if (spec.isEmpty()) {
                continue;
            }
            if (spec.startsWith("-")) {
                throw new InvalidSpecException("image.pythonPackages", requirements + ":" + (i + 1) + ": pip option '" + spec
                        + "' is not supported; list plain requirement specifiers (e.g. flask==3.0.3), or run pip in commands(...)");
            }
            pythonPackages.add(spec);
        }
        return this;
    }

    public Image condaPackages(String... packages) {
        condaPackages.addAll(List.of(packages));
        return this;
    }

    /** Shell commands run at build time, in order, after the packages are installed. */
    public Image commands(String... commands) {
        this.commands.addAll(List.of(commands));
        return this;
    }

    /** An environment variable baked into the image (a pod's own {@link Pod.Builder#env} wins at run time). */
    public Image env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /**
     * Ships a local file, or every file under a local directory, into the image at {@code pathInImage}. Read
     * now. See the class documentation for where files may go.
     *
     * @param pathInImage relative to {@code /app}, or absolute ({@code /app/…} for images built from parts;
     *                    anywhere for Dockerfile images)
     */
    public Image addLocalPath(Path local, String pathInImage) {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(pathInImage, "pathInImage");
        String target = pathInImage.startsWith("/") ? pathInImage : APP_DIR + pathInImage;
        if (!Files.exists(local)) {
            throw new BerthClientException(ErrorCode.INVALID_REQUEST, "image.files", "Local path " + local.toAbsolutePath()
                    + " does not exist; give an existing file or directory to addLocalPath");
        }
        if (dockerfile != null) {
            String contextPath = stripSlashes(target);
            put(local, contextPath);
            copyLines.add("COPY " + contextPath + " " + target);
            return this;
        }
        if (!target.startsWith(APP_DIR) || target.length() == APP_DIR.length()) {
            throw new InvalidSpecException("image.files", "Path in image '" + pathInImage + "' is outside /app; files of an image"
                    + " built from parts are copied to /app: give a relative path or one under /app/, or use Image.fromDockerfile to place them anywhere");
        }
        put(local, stripSlashes(target.substring(APP_DIR.length())));
        return this;
    }

    private void put(Path local, String path) {
        if (Files.isDirectory(local)) {
            for (Path file : regularFiles(local)) {
                files.put(path + "/" + relative(local, file), readBytes(file));
            }
        } else {
            files.put(path, readBytes(local));
        }
    }

    /** The spec this image describes. */
    public ImageSpec build() {
        ImageSpec.Builder spec = ImageSpec.builder().base(base).pythonVersion(pythonVersion)
                .pythonPackages(pythonPackages.toArray(String[]::new))
                .condaPackages(condaPackages.toArray(String[]::new))
                .commands(commands.toArray(String[]::new));
        env.forEach(spec::env);
        if (dockerfile != null) {
            StringBuilder d = new StringBuilder(dockerfile);
            if (!copyLines.isEmpty() && !dockerfile.endsWith("\n")) {
                d.append('\n');
            }
            copyLines.forEach(line -> d.append(line).append('\n'));
            spec.dockerfile(d.toString());
        }
        files.forEach(spec::file);
        return spec.build();
    }

    private static String stripSlashes(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    private static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace('\\', '/');
    }

    private static List<Path> regularFiles(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new BerthClientException(ErrorCode.INVALID_REQUEST, "image.files", "Cannot list " + directory + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BerthClientException(ErrorCode.INVALID_REQUEST, "image.files", "Cannot read " + file + ": " + e.getMessage()
                    + "; check that the file exists and is readable", e);
        }
    }

    private static String read(Path file, String field, String fix) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new BerthClientException(ErrorCode.INVALID_REQUEST, field, "Cannot read " + file + " (" + e.getClass().getSimpleName()
                    + "); " + fix, e);
        }
    }
}

package dev.berth.image;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders an {@link ImageSpec} as a Dockerfile and build context. The same spec always renders the same
 * bytes. A spec with a Dockerfile is passed through with its files.
 *
 * <p>Order of layers: base, environment, pip packages, conda packages (micromamba, conda-forge), shell
 * commands, then the files copied to {@code /app}, the working directory.
 */
public final class DockerfileRenderer {
    /** Where micromamba puts the conda environment; its {@code bin} comes first on PATH. */
    public static final String CONDA_PREFIX = "/opt/conda";
    /** Where micromamba's static binary is fetched from (its official release endpoint). */
    public static final String MICROMAMBA_URL = "https://micro.mamba.pm/api/micromamba/linux-64/latest";

    private DockerfileRenderer() {
    }

    public static BuildContext render(ImageSpec spec) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        spec.files().forEach((path, base64) -> files.put(contextPath(spec, path), Base64.getDecoder().decode(base64)));
        if (spec.dockerfile() != null) {
            return new BuildContext(spec.dockerfile().endsWith("\n") ? spec.dockerfile() : spec.dockerfile() + "\n", files);
        }
        StringBuilder d = new StringBuilder();
        d.append("FROM ").append(spec.effectiveBase()).append('\n');
        d.append("ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore\n");
        if (!spec.env().isEmpty()) {
            d.append("ENV ").append(spec.env().entrySet().stream()
                    .map(e -> e.getKey() + "=" + dockerQuote(e.getValue()))
                    .collect(Collectors.joining(" \\\n    "))).append('\n');
        }
        if (!spec.pythonPackages().isEmpty()) {
            d.append("RUN python3 -m pip install ").append(shellWords(spec.pythonPackages())).append('\n');
        }
        if (!spec.condaPackages().isEmpty()) {
            // Python fetches and unpacks micromamba: slim bases have neither curl nor bzip2.
            d.append("RUN python3 -c \"import io,tarfile,urllib.request; ")
                    .append("tarfile.open(fileobj=io.BytesIO(urllib.request.urlopen('").append(MICROMAMBA_URL)
                    .append("').read())).extract('bin/micromamba','/usr/local')\" \\\n")
                    .append(" && micromamba create -y -p ").append(CONDA_PREFIX).append(" -c conda-forge ")
                    .append(shellWords(spec.condaPackages())).append(" \\\n")
                    .append(" && micromamba clean -a -y\n");
            d.append("ENV PATH=").append(CONDA_PREFIX).append("/bin:$PATH\n");
        }
        for (String command : spec.commands()) {
            d.append("RUN ").append(command.strip().replace("\n", " \\\n    ")).append('\n');
        }
        if (!files.isEmpty()) {
            d.append("COPY files/ /app/\n");
        }
        d.append("WORKDIR /app\n");
        return new BuildContext(d.toString(), files);
    }

    private static String contextPath(ImageSpec spec, String path) {
        return spec.dockerfile() != null ? path : "files/" + path;
    }

    /** Words quoted for {@code /bin/sh}: each in single quotes, embedded quotes escaped. */
    static String shellWords(List<String> words) {
        return words.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }

    /** A value quoted for a Dockerfile {@code ENV} line. */
    static String dockerQuote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$").replace("\n", "\\n") + "\"";
    }
}

package dev.berth.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.BerthClientException;
import dev.berth.ErrorCode;
import dev.berth.internal.Json;
import dev.berth.pod.PodSpec;
import dev.berth.template.Template;
import dev.berth.templates.AppFiles;
import dev.berth.templates.BuiltInTemplates;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", description = {"Launch a pod and print its HTTPS URL once it answers.",
        "Starts the embedded platform if none is running."})
final class RunCommand implements Callable<Integer> {
    private static final long MAX_CONTEXT_BYTES = 512 * 1024;

    @Option(names = "--image", paramLabel = "BASE", description = "Base image (default python:3.12-slim).")
    String image;

    @Option(names = "--dockerfile", paramLabel = "PATH", description = "Build from this Dockerfile; the files beside it are its context.")
    Path dockerfile;

    @Option(names = "--entrypoint", paramLabel = "COMMAND",
            description = "The command the container runs, as one shell-quoted string, e.g. \"python3 -m http.server 8000\"; "
                    + "required unless --template gives one.")
    String entrypoint;

    @Option(names = {"-t", "--template"}, paramLabel = "NAME",
            description = "Start from a template (berth templates lists them); the other options override its fields.")
    String template;

    @Option(names = "--app", paramLabel = "PATH",
            description = "With --template streamlit, web or static: your own app file or folder in place of the sample.")
    Path app;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "A port the server listens on; each gets its own URL. Repeatable.")
    List<Integer> ports = new ArrayList<>();

    @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "An environment variable. Repeatable.")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--keep-warm-seconds", paramLabel = "N",
            description = "Stop after N seconds without connections (default 600; -1 never; 0 as soon as idle).")
    Integer keepWarmSeconds;

    @Option(names = "--name", description = "Deploy under this name: a stable URL https://<name>-<port>.<domain> that wakes the pod on request.")
    String name;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600", description = "How long to wait for the pod to answer (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PlatformClient client = BerthCli.connect(true, out);
        String body = Json.write(template == null ? podSpec() : templateSpec(client));
        JsonNode pod;
        try {
            pod = name == null ? client.post("/v1/pods", body) : client.post("/v1/deployments", body).path("pod");
        } catch (BerthClientException e) {
            if (template != null && "gpu".equals(e.field())) {
                throw new BerthClientException(e.code(), e.field(), "Template '" + template + "' needs a GPU and this platform has none: "
                        + e.getMessage());
            }
            throw e;
        }
        String id = pod.path("id").asText();
        out.println("Pod " + id + (name != null ? " (deployment " + name + ")" : "") + " created; image " + pod.path("imageId").asText().substring(0, 12));
        out.flush();
        Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
        String shown = "";
        while (true) {
            pod = client.get("/v1/pods/" + id);
            String status = pod.path("status").asText();
            if (!status.equals(shown)) {
                out.println("  " + status.toLowerCase() + (status.equals("BUILDING") ? " (build log: berth image log, GET /v1/images/" + pod.path("imageId").asText() + ")" : ""));
                out.flush();
                shown = status;
            }
            if (status.equals("RUNNING")) {
                break;
            }
            if (status.equals("FAILED") || status.equals("STOPPED")) {
                return reportEnd(client, pod, out);
            }
            if (Instant.now().isAfter(deadline)) {
                spec.commandLine().getErr().println("error: pod " + id + " is still " + status + " after " + timeoutSeconds
                        + " s; it keeps going — watch it with 'berth container list'");
                return BerthCli.POD_FAILED;
            }
            sleep(150);
        }
        SSLContext tls = trusting(Path.of(client.instance().caCertificate()));
        Iterator<Map.Entry<String, JsonNode>> urls = pod.path("urls").fields();
        List<String> printed = new ArrayList<>();
        while (urls.hasNext()) {
            Map.Entry<String, JsonNode> url = urls.next();
            awaitAnswer(URI.create(url.getValue().asText()), tls, deadline);
            printed.add(url.getValue().asText());
        }
        out.println("Ready. Open in a browser (the CA is " + client.instance().caCertificate() + "):");
        printed.forEach(out::println);
        return 0;
    }

    /** The template's spec from the platform, with the options given on the command line in place of its fields. */
    private PodSpec templateSpec(PlatformClient client) {
        if (dockerfile != null) {
            throw new BerthClientException(ErrorCode.INVALID_SPEC, "--dockerfile", "--template and --dockerfile are both given; "
                    + "a template brings its image: give one, or --app to bring your own files");
        }
        PodSpec spec;
        try {
            spec = Json.MAPPER.treeToValue(client.get("/v1/templates/" + template).path("spec"), PodSpec.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("The platform sent a template spec this command cannot read", e);
        }
        if (app != null) {
            BuiltInTemplates builtIn = new BuiltInTemplates();
            String appFile = builtIn.find(template).flatMap(t -> builtIn.appFile(template)).orElseThrow(() ->
                    new BerthClientException(ErrorCode.INVALID_SPEC, "--app", "Template '" + template + "' takes no --app; "
                            + "templates that run your app: " + builtIn.list().stream().map(Template::name)
                            .filter(n -> builtIn.appFile(n).isPresent()).collect(java.util.stream.Collectors.joining(", "))));
            spec = AppFiles.withApp(template, spec, appFile, app);
        }
        PodSpec.Builder b = ports.isEmpty() ? spec.toBuilder() : withoutPorts(spec).ports(ports.stream().mapToInt(Integer::intValue).toArray());
        if (image != null) {
            if (spec.image().dockerfile() != null) {
                throw new BerthClientException(ErrorCode.INVALID_SPEC, "--image", "Template '" + template
                        + "' builds from its own Dockerfile; --image cannot replace its base");
            }
            b.image(spec.image().toBuilder().base(image).pythonVersion(null).build());
        }
        if (entrypoint != null) {
            b.entrypoint(ShellWords.split(entrypoint));
        }
        b.env(env);
        if (keepWarmSeconds != null) {
            b.keepWarmSeconds(keepWarmSeconds);
        }
        if (name != null) {
            b.name(name);
        }
        return b.build();
    }

    /** The spec's fields but its ports, for --port to replace them. */
    private static PodSpec.Builder withoutPorts(PodSpec spec) {
        return PodSpec.builder().name(spec.name()).image(spec.image()).entrypoint(spec.entrypoint()).env(spec.env())
                .cpu(spec.cpu()).memoryMiB(spec.memoryMiB()).gpu(spec.gpu()).gpuCount(spec.gpuCount())
                .keepWarmSeconds(spec.keepWarmSeconds()).authorized(spec.authorized()).blockNetwork(spec.blockNetwork())
                .readOnlyRootFilesystem(spec.readOnlyRootFilesystem());
    }

    private ObjectNode podSpec() {
        if (entrypoint == null) {
            throw new BerthClientException(ErrorCode.INVALID_SPEC, "--entrypoint", "--entrypoint is missing; give the command the "
                    + "container runs (e.g. --entrypoint \"python3 -m http.server 8000\") or start a template with --template NAME");
        }
        if (app != null) {
            throw new BerthClientException(ErrorCode.INVALID_SPEC, "--app", "--app needs --template (streamlit, web or static)");
        }
        ObjectNode spec = Json.MAPPER.createObjectNode();
        if (name != null) {
            spec.put("name", name);
        }
        ObjectNode imageNode = spec.putObject("image");
        if (dockerfile != null) {
            if (image != null) {
                throw new BerthClientException(ErrorCode.INVALID_SPEC, "--image", "--image and --dockerfile are both given; the Dockerfile's FROM names the base, so give one");
            }
            dockerfileContext(imageNode);
        } else if (image != null) {
            imageNode.put("base", image);
        }
        ArrayNode command = spec.putArray("entrypoint");
        ShellWords.split(entrypoint).forEach(command::add);
        ArrayNode portsNode = spec.putArray("ports");
        ports.forEach(portsNode::add);
        ObjectNode envNode = spec.putObject("env");
        env.forEach(envNode::put);
        if (keepWarmSeconds != null) {
            spec.put("keepWarmSeconds", keepWarmSeconds);
        }
        return spec;
    }

    private void dockerfileContext(ObjectNode imageNode) {
        if (!Files.isRegularFile(dockerfile)) {
            throw new BerthClientException(ErrorCode.INVALID_SPEC, "--dockerfile", "No file at --dockerfile " + dockerfile + "; give the path of a Dockerfile");
        }
        try {
            imageNode.put("dockerfile", Files.readString(dockerfile));
            Path dir = dockerfile.toAbsolutePath().getParent();
            ObjectNode files = imageNode.putObject("files");
            long total = 0;
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path file : walk.filter(Files::isRegularFile).filter(f -> !f.equals(dockerfile.toAbsolutePath())).sorted().toList()) {
                    total += Files.size(file);
                    if (total > MAX_CONTEXT_BYTES) {
                        throw new BerthClientException(ErrorCode.INVALID_SPEC, "--dockerfile", "The files beside " + dockerfile + " exceed "
                                + MAX_CONTEXT_BYTES / 1024 + " KiB; move the Dockerfile to a folder holding only its context");
                    }
                    files.put(dir.relativize(file).toString(), Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + dockerfile, e);
        }
    }

    private int reportEnd(PlatformClient client, JsonNode pod, PrintWriter out) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: pod " + pod.path("id").asText() + " " + pod.path("status").asText().toLowerCase() + ": " + pod.path("message").asText());
        if (pod.path("stopReason").asText().equals("FAILED") && pod.path("runtimeRef").isMissingNode()) {
            String log = client.get("/v1/images/" + pod.path("imageId").asText()).path("log").asText();
            String[] lines = log.split("\n");
            err.println("Build log (last lines):");
            for (int i = Math.max(0, lines.length - 20); i < lines.length; i++) {
                err.println("  " + lines[i]);
            }
        } else {
            try (var logs = client.stream("/v1/pods/" + pod.path("id").asText() + "/logs")) {
                err.println("Container output:");
                err.println(new String(logs.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).stripTrailing());
            } catch (IOException e) {
                err.println("(logs unavailable: " + e.getMessage() + ")");
            }
        }
        out.flush();
        return BerthCli.POD_FAILED;
    }

    /** Waits until the pod's server answers through the router (the router says 502 until it listens). */
    private static void awaitAnswer(URI url, SSLContext tls, Instant deadline) {
        try (HttpClient http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build()) {
            while (Instant.now().isBefore(deadline)) {
                try {
                    int status = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status != 502 && status != 503) {
                        return;
                    }
                } catch (IOException e) {
                    // Not answering yet.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted", e);
                }
                sleep(100);
            }
        }
    }

    static SSLContext trusting(Path caPem) {
        try (var in = Files.newInputStream(caPem)) {
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("berth-local-ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the CA certificate " + caPem, e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("Cannot trust the CA certificate " + caPem, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}

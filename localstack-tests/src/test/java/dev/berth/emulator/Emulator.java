package dev.berth.emulator;

import dev.berth.functions.internal.AwsClients;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.acm.AcmClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The AWS API emulator of one test run, shared by every test class: moto in server mode on a free loopback
 * port (the default; offline), or LocalStack through Testcontainers with {@code -Dberth.emulator=localstack}.
 * Started on first use, stopped when the JVM exits. SDK clients point at it with fake static credentials in
 * us-east-1. Use through {@link EmulatorExtension}.
 */
public final class Emulator {
    public static final Region REGION = Region.US_EAST_1;
    private static volatile Emulator instance;

    private final String kind;
    private final URI endpoint;
    private final AwsClients clients;

    private Emulator(String kind, URI endpoint) {
        this.kind = kind;
        this.endpoint = endpoint;
        this.clients = new AwsClients(REGION, StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")),
                endpoint, UrlConnectionHttpClient.create(),
                "moto".equals(kind) ? List.of(new CborToJsonInterceptor()) : List.of());
    }

    /** The emulator of this run, started on first call. */
    public static Emulator get() {
        Emulator e = instance;
        if (e == null) {
            synchronized (Emulator.class) {
                e = instance;
                if (e == null) {
                    e = start();
                    instance = e;
                }
            }
        }
        return e;
    }

    private static Emulator start() {
        String kind = System.getProperty("berth.emulator", "moto").strip().toLowerCase(Locale.ROOT);
        return switch (kind) {
            case "", "moto" -> new Emulator("moto", startMoto());
            case "localstack" -> new Emulator("localstack", LocalStack.start());
            default -> throw new IllegalArgumentException("Unknown -Dberth.emulator=" + kind + "; use moto (default) or localstack");
        };
    }

    public String kind() {
        return kind;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** SDK clients against the emulator, wired as the functions wire theirs. */
    public AwsClients clients() {
        return clients;
    }

    public Ec2Client ec2() {
        var b = Ec2Client.builder().region(REGION).credentialsProvider(clients.credentials()).httpClient(clients.http())
                .endpointOverride(endpoint);
        return b.build();
    }

    /** ACM, for fixtures only (the functions make no ACM calls): certificates the data plane's HTTPS listeners serve. */
    public AcmClient acm() {
        return AcmClient.builder().region(REGION).credentialsProvider(clients.credentials()).httpClient(clients.http())
                .endpointOverride(endpoint).build();
    }

    /** A name no other test of this run uses. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static URI startMoto() {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free loopback port for moto", e);
        }
        Path log = Path.of("target", "moto.log");
        Process process;
        try {
            Files.createDirectories(log.getParent());
            List<String> command = new java.util.ArrayList<>(motoCommand());
            command.addAll(List.of("-H", "127.0.0.1", "-p", Integer.toString(port)));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start moto_server: " + e.getMessage()
                    + "; install it with: pip install 'moto[server]==5.2.1' (or run with -Dberth.emulator=localstack)", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "moto-stop"));
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + process.exitValue() + "; see " + log.toAbsolutePath());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) endpoint.resolve("/moto-api/").toURL().openConnection();
                c.setConnectTimeout(500);
                if (c.getResponseCode() == 200) {
                    holdTasksRunning(endpoint);
                    return endpoint;
                }
            } catch (IOException notYet) {
                // still starting
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for moto", e);
            }
        }
        process.destroy();
        throw new IllegalStateException("moto_server did not answer within 60 s on " + endpoint + "; see " + log.toAbsolutePath());
    }

    /**
     * moto advances an ECS task one state (RUNNING, DEACTIVATING, …, STOPPED) each time it is described; real
     * tasks run until stopped or their entrypoint ends. Its state manager holds them RUNNING instead.
     */
    private static void holdTasksRunning(URI endpoint) throws IOException {
        HttpURLConnection c = (HttpURLConnection) endpoint.resolve("/moto-api/state-manager/set-transition").toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        try (var out = c.getOutputStream()) {
            out.write("{\"model_name\": \"ecs::task\", \"transition\": {\"progression\": \"manual\", \"times\": 1000000000}}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (c.getResponseCode() / 100 != 2) {
            throw new IOException("moto refused the ECS task transition setting: HTTP " + c.getResponseCode());
        }
    }

    /**
     * moto's server through {@code moto_serialized.py} (requests one at a time, so conditional writes are atomic as on
     * AWS; with Berth's data plane for resources tagged {@code berth:dataplane=docker}), with the {@code python3} that has moto; {@code -Dberth.moto.command} overrides it.
     */
    private static List<String> motoCommand() {
        String explicit = System.getProperty("berth.moto.command");
        if (explicit != null && !explicit.isBlank()) {
            return List.of(explicit);
        }
        // Run in place, so that Python finds the data plane package (berth_dataplane) next to the launcher.
        Path script;
        try {
            script = Path.of(Emulator.class.getResource("/moto_serialized.py").toURI());
        } catch (java.net.URISyntaxException | java.nio.file.FileSystemNotFoundException e) {
            throw new IllegalStateException("The moto launcher must be a file on the test classpath (target/test-classes)", e);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File python = new File(dir, "python3");
            if (python.canExecute()) {
                return List.of(python.getAbsolutePath(), script.toString());
            }
        }
        throw new IllegalStateException("python3 is not on PATH; install Python 3 and moto: pip install 'moto[server]==5.2.1'"
                + " (or point -Dberth.moto.command at moto_server, or run with -Dberth.emulator=localstack)");
    }
}

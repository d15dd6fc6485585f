package dev.berth.local.templates;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Debian's headless Chromium, driven from the command line: {@code --dump-dom} for the DOM after the page's
 * scripts ran (a virtual-time budget lets client-side apps render), {@code --screenshot} for a picture.
 *
 * <p>Trust: Chromium is told to accept exactly the router's key ({@code --ignore-certificate-errors-spki-list}
 * with the SHA-256 of the certificate's SubjectPublicKeyInfo, read from the router over a TLS connection that
 * trusts only Berth's CA). That pins one key rather than trusting everything, and needs no NSS database
 * ({@code certutil} is not installed with Chromium).
 */
final class Chromium {
    private final Path binary;
    private final String spkiPin;

    private Chromium(Path binary, String spkiPin) {
        this.binary = binary;
        this.spkiPin = spkiPin;
    }

    /** Chromium pinned to the key the router at {@code localhost:port} presents, verified against Berth's CA. */
    static Chromium pinnedTo(int routerPort, String hostLabel, SSLContext berthTls) {
        Path binary = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("Debian's chromium is missing; ./test.sh installs it (apt-get install -y chromium)");
        }
        try (SSLSocket socket = (SSLSocket) berthTls.getSocketFactory().createSocket("127.0.0.1", routerPort)) {
            var params = socket.getSSLParameters();
            params.setServerNames(List.of(new javax.net.ssl.SNIHostName(hostLabel)));
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.startHandshake();
            X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            byte[] spki = MessageDigest.getInstance("SHA-256").digest(leaf.getPublicKey().getEncoded());
            return new Chromium(binary, Base64.getEncoder().encodeToString(spki));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the router's certificate on port " + routerPort, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The DOM after {@code budgetMillis} of virtual time (the page's timers and network run meanwhile). */
    String dumpDom(URI url, int budgetMillis) {
        return new String(run(url, "--virtual-time-budget=" + budgetMillis, "--dump-dom"), StandardCharsets.UTF_8);
    }

    /**
     * The DOM after {@code millis} of real time: for pages whose content comes over a WebSocket, which virtual time
     * does not wait for.
     */
    String dumpDomAfter(URI url, int millis) {
        return new String(run(url, "--timeout=" + millis, "--dump-dom"), StandardCharsets.UTF_8);
    }

    /** Saves a screenshot of the page after {@code budgetMillis} of real time to {@code file}. */
    void screenshot(URI url, int budgetMillis, Path file) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(url, "--timeout=" + budgetMillis, "--screenshot=" + file.toAbsolutePath());
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("Chromium wrote no screenshot to " + file);
        }
    }

    private byte[] run(URI url, String wait, String action) {
        Path profile = null;
        try {
            profile = Files.createTempDirectory("berth-chromium");
            List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                    "--ignore-certificate-errors-spki-list=" + spkiPin, "--window-size=1280,900",
                    wait, action, url.toString()));
            Path err = Files.createTempFile("chromium", ".log");
            Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("Chromium did not finish " + action + " of " + url);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("Chromium failed (" + process.exitValue() + ") on " + url + ":\n" + Files.readString(err));
            }
            Files.deleteIfExists(err);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp profile is harmless.
        }
    }
}

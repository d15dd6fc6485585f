package dev.berth.local.templates;

import dev.berth.sdk.PodInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A template's pod for a test class: before its tests, a platform on a fresh home and the template's pod started
 * from the platform's catalog, answering; after them, both gone. Register as
 * {@code @RegisterExtension static final TemplatePod jupyter = new TemplatePod("jupyter");}.
 */
final class TemplatePod implements BeforeAllCallback, AfterAllCallback {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);

    private final String template;
    private Path home;
    private TemplatePlatform berth;
    private PodInstance pod;

    TemplatePod(String template) {
        this.template = template;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        home = Files.createTempDirectory("berth-" + template);
        berth = TemplatePlatform.start(home);
        pod = berth.startAndAwait(template, berth.template(template).spec(), START_TIMEOUT);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (berth != null) {
                berth.close();
            }
        } finally {
            deleteTree(home);
        }
    }

    /** The platform's home (on the host). */
    Path home() {
        return home;
    }

    TemplatePlatform berth() {
        return berth;
    }

    PodInstance pod() {
        return pod;
    }

    /** Headless Chromium pinned to the router's key for this pod's {@code port}. */
    DevToolsBrowser browser(int port) {
        return DevToolsBrowser.pinnedTo(berth.platform.routerPort(), pod.url(port).getHost(), berth.platform.ca().clientSslContext());
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the test home " + dir, e);
        }
    }
}

package dev.berth.emulator;

import java.net.URI;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/** LocalStack through Testcontainers, for {@code -Dberth.emulator=localstack} (see localstack-tests/README.md). */
final class LocalStack {
    private LocalStack() {
    }

    @SuppressWarnings("resource") // stopped at JVM exit
    static URI start() {
        String image = System.getProperty("berth.localstack.image", "localstack/localstack-pro:4.9");
        LocalStackContainer container = new LocalStackContainer(DockerImageName.parse(image)
                .asCompatibleSubstituteFor("localstack/localstack"));
        String token = System.getenv("LOCALSTACK_AUTH_TOKEN");
        if (token != null && !token.isBlank()) {
            container.withEnv("LOCALSTACK_AUTH_TOKEN", token);
        }
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "localstack-stop"));
        return container.getEndpoint();
    }
}

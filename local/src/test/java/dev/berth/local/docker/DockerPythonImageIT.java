package dev.berth.local.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.image.ImageId;
import dev.berth.image.ImageSpec;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.pod.RecordingPodEvents;
import dev.berth.run.Endpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** One Python image, built from the default base (python:3.12-slim → berth/python:3.11) and run. */
class DockerPythonImageIT {

    @Test
    void pythonImage_buildsWithFilesAndServesHttp() throws IOException, InterruptedException {
        DockerTestEngine.ensurePython();
        RecordingPodEvents events = new RecordingPodEvents(Duration.ofMinutes(5));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        DockerImageBuilder builder = new DockerImageBuilder(DockerTestEngine.docker(), DockerTestEngine.baseImages(), events, executor);
        ImageSpec image = ImageSpec.builder()
                .commands("python -c 'import sys; assert sys.version_info >= (3, 11)'")
                .file("index.html", "served by berth python\n".getBytes(StandardCharsets.UTF_8))
                .build();
        ImageId id = ImageId.of(image);
        builder.validate(image);

        builder.build(id, image);
        String ref = events.awaitImageBuilt(id).ref();

        PodSpec spec = PodSpec.builder().image(image).entrypoint("python3", "-m", "http.server", "8000").ports(8000).build();
        Pod pod = Pod.pending(PodId.random(), spec, null, Map.of(), Instant.now());
        try (DockerPodRuntime runtime = new DockerPodRuntime(DockerTestEngine.docker(), events, DockerRuntimeConfig.builder()
                .network(DockerTestEngine.NETWORK).isolatedNetwork(DockerTestEngine.ISOLATED_NETWORK).build())) {
            String container = runtime.start(pod, ref);
            try {
                Endpoint endpoint = events.awaitReady(pod.id()).endpoints().get(8000);
                HttpResponse<String> response = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://" + endpoint + "/index.html")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("served by berth python\n");
            } finally {
                runtime.stop(container);
            }
        } finally {
            executor.shutdownNow();
        }
    }
}

package dev.berth.functions.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.berth.InvalidSpecException;
import dev.berth.functions.image.CodeBuildImageBuilder;
import dev.berth.functions.run.EcsFargatePodRuntime;
import dev.berth.image.ImageId;
import dev.berth.pod.PodId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Parsing of the EventBridge and CloudWatch events the functions receive, lenient about fields they ignore. */
public final class Events {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private Events() {
    }

    public static JsonNode tree(Object event) {
        return event instanceof String s ? read(s) : MAPPER.valueToTree(event);
    }

    public static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new InvalidSpecException("event", "Event is not JSON: " + e.getMessage());
        }
    }

    /**
     * A "CodeBuild Build State Change" event's outcome.
     *
     * @param buildId   the build's ARN
     * @param status    {@code build-status}: IN_PROGRESS, SUCCEEDED, FAILED, FAULT, STOPPED or TIMED_OUT
     * @param reason    the phases that did not succeed with their contexts, or null
     * @param logUrl    the console link of the build log, or null
     * @param logGroup  the CloudWatch Logs group of the build log, or null
     * @param logStream the CloudWatch Logs stream of the build log, or null
     */
    public record BuildFinished(String buildId, ImageId imageId, String status, String reason, String logUrl,
                                String logGroup, String logStream) {
        public BuildFinished {
            java.util.Objects.requireNonNull(imageId, "imageId");
            java.util.Objects.requireNonNull(status, "status");
        }

        public boolean succeeded() {
            return "SUCCEEDED".equals(status);
        }

        /** Whether the build is over (SUCCEEDED, FAILED, FAULT, STOPPED, TIMED_OUT), not IN_PROGRESS. */
        public boolean finished() {
            return !"IN_PROGRESS".equals(status);
        }
    }

    /** The build event of a Berth image build, or empty for another build of the project. */
    public static Optional<BuildFinished> buildFinished(JsonNode event) {
        JsonNode detail = event.path("detail");
        JsonNode info = detail.path("additional-information");
        String imageId = null;
        for (JsonNode variable : info.path("environment").path("environment-variables")) {
            if (CodeBuildImageBuilder.IMAGE_ID_VARIABLE.equals(variable.path("name").asText())) {
                imageId = variable.path("value").asText();
            }
        }
        if (imageId == null || !imageId.matches("[a-f0-9]{64}")) {
            return Optional.empty();
        }
        List<String> failures = new ArrayList<>();
        for (JsonNode phase : info.path("phases")) {
            String status = phase.path("phase-status").asText("");
            if (!status.isEmpty() && !"SUCCEEDED".equals(status)) {
                List<String> context = new ArrayList<>();
                phase.path("phase-context").forEach(c -> {
                    if (!c.asText().isBlank() && !": ".equals(c.asText())) {
                        context.add(c.asText());
                    }
                });
                failures.add(phase.path("phase-type").asText() + " " + status + (context.isEmpty() ? "" : ": " + String.join("; ", context)));
            }
        }
        JsonNode logs = info.path("logs");
        return Optional.of(new BuildFinished(detail.path("build-id").asText(), ImageId.of(imageId),
                detail.path("build-status").asText(), failures.isEmpty() ? null : String.join(", ", failures),
                logs.path("deep-link").asText(null), logs.path("group-name").asText(null), logs.path("stream-name").asText(null)));
    }

    /** A container of a task, as a task state change shows it; {@code exitCode} is null until it exits. */
    public record ContainerChange(String name, String lastStatus, Integer exitCode, String reason) {
        public ContainerChange {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * An "ECS Task State Change" event. {@code exitCode} and {@code containerReason} are the pod container's;
     * {@code containers} has every container of the task; {@code ports} are the pod's ports from the task's
     * overrides ({@code BERTH_PORTS}), or null when the event does not carry them.
     */
    public record TaskChange(String taskArn, PodId podId, String lastStatus, String desiredStatus, long version,
                             String privateIp, Integer exitCode, String stopCode, String stoppedReason, String containerReason,
                             List<ContainerChange> containers, List<Integer> ports) {
        public TaskChange {
            Objects.requireNonNull(taskArn, "taskArn");
            Objects.requireNonNull(podId, "podId");
            containers = containers == null ? List.of() : List.copyOf(containers);
            ports = ports == null ? null : List.copyOf(ports);
        }

        /** The container of that name, if the task has one. */
        public Optional<ContainerChange> container(String name) {
            return containers.stream().filter(c -> c.name().equals(name)).findFirst();
        }
    }

    /** The task event of a Berth pod, or empty for another task of the cluster. */
    public static Optional<TaskChange> taskChange(JsonNode event) {
        JsonNode detail = event.path("detail");
        String podId = detail.path("startedBy").asText("");
        if (!PodId.looksLikePodId(podId)) {
            return Optional.empty();
        }
        String ip = null;
        for (JsonNode attachment : detail.path("attachments")) {
            for (JsonNode d : attachment.path("details")) {
                if ("privateIPv4Address".equals(d.path("name").asText())) {
                    ip = d.path("value").asText();
                }
            }
        }
        Integer exit = null;
        String containerReason = null;
        List<ContainerChange> containers = new ArrayList<>();
        for (JsonNode c : detail.path("containers")) {
            Integer code = c.hasNonNull("exitCode") ? c.path("exitCode").asInt() : null;
            String reason = c.path("reason").asText(null);
            containers.add(new ContainerChange(c.path("name").asText(""), c.path("lastStatus").asText(null), code, reason));
            if (EcsFargatePodRuntime.POD_CONTAINER.equals(c.path("name").asText())) {
                exit = code;
                containerReason = reason;
            }
        }
        List<Integer> ports = null;
        for (JsonNode override : detail.path("overrides").path("containerOverrides")) {
            for (JsonNode variable : override.path("environment")) {
                if (EcsFargatePodRuntime.PORTS_VARIABLE.equals(variable.path("name").asText()) && ports == null) {
                    ports = EcsFargatePodRuntime.parsePorts(variable.path("value").asText(""));
                }
            }
        }
        return Optional.of(new TaskChange(detail.path("taskArn").asText(), PodId.of(podId), detail.path("lastStatus").asText(),
                detail.path("desiredStatus").asText(), detail.path("version").asLong(0), ip, exit,
                detail.path("stopCode").asText(null), detail.path("stoppedReason").asText(null), containerReason,
                containers, ports));
    }

    /** The alarm and its new state from a CloudWatch alarm action's Lambda event. */
    public record AlarmChange(String alarmName, String state) {
    }

    public static AlarmChange alarmChange(JsonNode event) {
        JsonNode data = event.path("alarmData");
        return new AlarmChange(data.path("alarmName").asText(""), data.path("state").path("value").asText(""));
    }
}

package dev.berth.functions.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.InvalidSpecException;
import dev.berth.functions.internal.CodeBuildApi;
import dev.berth.functions.internal.Events;
import dev.berth.image.BuildContext;
import dev.berth.image.DockerfileRenderer;
import dev.berth.image.ImageBuild;
import dev.berth.image.ImageBuildStatus;
import dev.berth.image.ImageBuilder;
import dev.berth.image.ImageId;
import dev.berth.image.ImageSpec;
import dev.berth.pod.PodEvents;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.DescribeImagesResponse;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@link ImageBuilder} on CodeBuild and ECR: the generated Dockerfile and its files go to S3 as a gzipped tar
 * with the Dockerfile at its root ({@code contexts/<imageId>.tar.gz}); {@code StartBuild} runs the stack's
 * privileged project, whose own buildspec unpacks it, builds and pushes {@code <repository>:<imageId>}. Only
 * the environment is overridden: {@value #IMAGE_ID_VARIABLE} and {@value #CONTEXT_KEY_VARIABLE} (see
 * {@code docs/aws-contract.md}). ECR is the cache: an id whose tag is in ECR is never built again.
 *
 * <p>The outcome arrives later as an EventBridge "CodeBuild Build State Change" event; {@link #buildFinished}
 * records it and reports it to the {@link PodEvents}. A failed build's message names the failing Dockerfile step
 * and its error, read from the build log in CloudWatch Logs, whose tail {@link #status} keeps. A build record per
 * image id in the pods table ({@code pk = IMAGE#<id>, sk = BUILD}), written conditionally, makes repeated or
 * concurrent {@link #build} calls start one build.
 *
 * <p>{@link #validate} cannot know whether a public base image exists (CodeBuild pulls it when it builds); it
 * rejects bases on registries CodeBuild can never reach: a loopback or unspecified host ({@code localhost:5000/x},
 * {@code 127.0.0.1/x}). Thread-safe.
 */
public final class CodeBuildImageBuilder implements ImageBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(CodeBuildImageBuilder.class);
    /**
     * The {@code StartBuild} environment override naming the image id (64 hex), which the stack's buildspec
     * tags and pushes as {@code $REPOSITORY_URI:$IMAGE_ID} and which the build event carries back.
     */
    public static final String IMAGE_ID_VARIABLE = "IMAGE_ID";
    /** The {@code StartBuild} environment override naming the context's key in {@code $CONTEXT_BUCKET}. */
    public static final String CONTEXT_KEY_VARIABLE = "CONTEXT_KEY";
    /** Key prefix of build contexts in the bucket (the function role may write under it only). */
    public static final String CONTEXT_PREFIX = "contexts/";
    /** At most this much of a failed build's log (its end) is kept in the build record. */
    static final int MAX_LOG_CHARS = 32 * 1024;
    private static final int MAX_LOG_PAGES = 20;
    private static final Pattern STEP = Pattern.compile("^Step (\\d+/\\d+) ?: (.*)$");
    private static final Set<String> UNREACHABLE_HOSTS = Set.of("localhost", "127.0.0.1", "0.0.0.0", "[::1]", "host.docker.internal");

    private final CodeBuildApi codeBuild;
    private final S3Client s3;
    private final EcrClient ecr;
    private final DynamoDbClient dynamo;
    private final CloudWatchLogsClient logs;
    private final Settings settings;
    private final PodEvents events;
    private volatile String repositoryUri;

    /**
     * @param project    the privileged CodeBuild project
     * @param bucket     where build contexts go
     * @param repository the ECR repository of pod images
     * @param table      the pods table, which also holds build records
     */
    public record Settings(String project, String bucket, String repository, String table) {
        public Settings {
            Objects.requireNonNull(project, "project");
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(repository, "repository");
            Objects.requireNonNull(table, "table");
        }
    }

    /**
     * @param logs   reads the log of a failed build (its group and stream come with the build event)
     * @param events where outcomes go: {@link #build} reports images already in ECR, {@link #buildFinished} the rest
     */
    public CodeBuildImageBuilder(CodeBuildApi codeBuild, S3Client s3, EcrClient ecr, DynamoDbClient dynamo,
                                 CloudWatchLogsClient logs, Settings settings, PodEvents events) {
        this.codeBuild = Objects.requireNonNull(codeBuild, "codeBuild");
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.ecr = Objects.requireNonNull(ecr, "ecr");
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
        this.logs = Objects.requireNonNull(logs, "logs");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.events = Objects.requireNonNull(events, "events");
    }

    /**
     * Rejects base images CodeBuild cannot pull: those on a loopback or unspecified registry host. Whether a public
     * image exists is only known when CodeBuild pulls it; a missing one fails the build, naming the FROM step.
     *
     * @throws InvalidSpecException naming {@code image.base} (also for a Dockerfile's FROM), the value and the fix
     */
    @Override
    public void validate(ImageSpec spec) {
        Objects.requireNonNull(spec, "spec");
        String where = spec.dockerfile() != null ? "a FROM line of image.dockerfile" : "image.base";
        for (String base : spec.baseImages()) {
            String host = registryHost(base);
            if (host != null && (UNREACHABLE_HOSTS.contains(host) || host.startsWith("127."))) {
                throw new InvalidSpecException("image.base", "Base image '" + base + "' in " + where + " is on registry '"
                        + host + "', which the CodeBuild project cannot reach (it is the build host's own loopback); "
                        + "use a base on a public registry (Docker Hub such as python:3.12-slim, public.ecr.aws, ghcr.io, quay.io) "
                        + "or push yours to one");
            }
        }
    }

    /** The registry host of an image reference ({@code localhost:5000/x} → {@code localhost}), or null for Docker Hub. */
    static String registryHost(String reference) {
        int slash = reference.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String first = reference.substring(0, slash).toLowerCase(Locale.ROOT);
        if (!first.contains(".") && !first.contains(":") && !first.equals("localhost")) {
            return null;
        }
        if (first.startsWith("[")) {
            int close = first.indexOf(']');
            return close > 0 ? first.substring(0, close + 1) : first;
        }
        int colon = first.indexOf(':');
        return colon < 0 ? first : first.substring(0, colon);
    }

    @Override
    public Optional<String> find(ImageId id) {
        try {
            DescribeImagesResponse images = ecr.describeImages(r -> r.repositoryName(settings.repository())
                    .imageIds(i -> i.imageTag(id.value())));
            return images.imageDetails().isEmpty() ? Optional.empty() : Optional.of(imageUri(id));
        } catch (ImageNotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public void build(ImageId id, ImageSpec spec) {
        Optional<String> built = find(id);
        if (built.isPresent()) {
            LOG.debug("imageId={} already in ECR", id);
            events.imageBuilt(id, built.get());
            return;
        }
        if (!claim(id)) {
            LOG.debug("imageId={} is already building", id);
            return;
        }
        try {
            String key = contextKey(id);
            s3.putObject(r -> r.bucket(settings.bucket()).key(key).contentType("application/gzip"),
                    RequestBody.fromBytes(context(DockerfileRenderer.render(spec))));
            ObjectNode request = startBuildRequest(settings.project(), id, key);
            JsonNode build = codeBuild.call("StartBuild", request).path("build");
            String buildId = build.path("id").asText();
            record(id, Map.of("buildId", string(buildId)));
            LOG.info("imageId={} buildId={} started", id, buildId);
        } catch (RuntimeException e) {
            String message = "Could not start the image build of " + id.shortValue() + ": " + e.getMessage();
            finish(id, ImageBuildStatus.FAILED, null, message, null, null);
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, message, e);
        }
    }

    @Override
    public ImageBuild status(ImageId id) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(settings.table()).consistentRead(true)
                .key(key(id))).item();
        if (item == null || item.isEmpty()) {
            return find(id).map(ref -> ImageBuild.ready(id, ref, "")).orElse(ImageBuild.unknown(id));
        }
        ImageBuildStatus status = ImageBuildStatus.valueOf(item.get("status").s());
        String log = (item.containsKey("logUrl") ? "CodeBuild log: " + item.get("logUrl").s() + "\n" : "")
                + (item.containsKey("log") ? item.get("log").s() : "");
        if (status == ImageBuildStatus.BUILDING) {
            Optional<String> ref = find(id);
            if (ref.isPresent()) {
                return ImageBuild.ready(id, ref.get(), log);
            }
        }
        return new ImageBuild(id, status, item.containsKey("ref") ? item.get("ref").s() : null, log,
                item.containsKey("message") ? item.get("message").s() : null);
    }

    /**
     * Records the outcome of a build from its "CodeBuild Build State Change" event and reports it: {@code imageBuilt}
     * with the ECR reference, or {@code imageFailed} with the failing step and its error, read from the build log in
     * CloudWatch Logs (whose tail {@link #status} keeps). An event of a build still in progress changes nothing.
     *
     * @return the image's build as it now stands
     */
    public ImageBuild buildFinished(Events.BuildFinished build) {
        Objects.requireNonNull(build, "build");
        ImageId id = build.imageId();
        if (!build.finished()) {
            return status(id);
        }
        String link = build.logUrl() == null ? "" : "CodeBuild log: " + build.logUrl() + "\n";
        if (build.succeeded()) {
            String ref = imageUri(id);
            finish(id, ImageBuildStatus.READY, ref, null, build.logUrl(), null);
            LOG.info("imageId={} buildId={} built", id, build.buildId());
            events.imageBuilt(id, ref);
            return new ImageBuild(id, ImageBuildStatus.READY, ref, link, null);
        }
        String log = readLog(build);
        String message = failureMessage(build, log);
        finish(id, ImageBuildStatus.FAILED, null, message, build.logUrl(), log.isEmpty() ? null : log);
        LOG.info("imageId={} buildId={} status={}", id, build.buildId(), build.status());
        events.imageFailed(id, message);
        return new ImageBuild(id, ImageBuildStatus.FAILED, null, link + log, message);
    }

    /**
     * Why a build failed: the last Dockerfile step the log shows and the error after it (docker's own line), else the
     * failed phases' contexts; then the log link and the fix.
     */
    static String failureMessage(Events.BuildFinished build, String log) {
        String step = null;
        String error = null;
        for (String line : log.split("\n")) {
            Matcher m = STEP.matcher(line);
            if (m.matches()) {
                step = "step " + m.group(1) + " '" + m.group(2).strip() + "'";
                error = null;
            } else if (line.startsWith("[Container] ") && line.contains("Command did not exit successfully")) {
                break;
            } else if (!line.isBlank() && !line.startsWith("[Container] ") && !line.startsWith(" ---> ")
                    && !line.startsWith("Removing intermediate container")) {
                error = line.strip();
            }
        }
        String outcome = switch (build.status()) {
            case "FAILED" -> "failed";
            case "FAULT" -> "failed (CodeBuild fault)";
            case "TIMED_OUT" -> "timed out";
            case "STOPPED" -> "was stopped";
            default -> "ended " + build.status();
        };
        StringBuilder message = new StringBuilder("Image build of ").append(build.imageId().shortValue()).append(' ').append(outcome);
        if (step != null) {
            message.append(" at ").append(step);
        }
        message.append(": ");
        if (error != null) {
            message.append(error).append(" (").append(reasonOrDefault(build)).append(')');
        } else {
            message.append(reasonOrDefault(build));
        }
        if (build.logUrl() != null) {
            message.append("; log: ").append(build.logUrl());
        }
        return message.append(". Fix the image spec (packages, commands, Dockerfile) and create the pod again").toString();
    }

    private static String reasonOrDefault(Events.BuildFinished build) {
        return build.reason() == null || build.reason().isBlank() ? "see the build log" : build.reason();
    }

    /** The end of the build log ({@value #MAX_LOG_CHARS} characters at most), or empty if it cannot be read. */
    private String readLog(Events.BuildFinished build) {
        if (build.logGroup() == null || build.logStream() == null) {
            return "";
        }
        Deque<String> lines = new ArrayDeque<>();
        int chars = 0;
        String token = null;
        try {
            for (int page = 0; page < MAX_LOG_PAGES; page++) {
                String from = token;
                GetLogEventsResponse response = logs.getLogEvents(r -> {
                    r.logGroupName(build.logGroup()).logStreamName(build.logStream()).startFromHead(true);
                    if (from != null) {
                        r.nextToken(from);
                    }
                });
                for (OutputLogEvent event : response.events()) {
                    String line = event.message().endsWith("\n") ? event.message().substring(0, event.message().length() - 1) : event.message();
                    lines.addLast(line);
                    chars += line.length() + 1;
                    while (chars > MAX_LOG_CHARS && lines.size() > 1) {
                        chars -= lines.removeFirst().length() + 1;
                    }
                }
                if (response.nextForwardToken() == null || response.nextForwardToken().equals(token) || response.events().isEmpty()) {
                    break;
                }
                token = response.nextForwardToken();
            }
        } catch (ResourceNotFoundException e) {
            LOG.debug("imageId={} build log {} {} not found", build.imageId(), build.logGroup(), build.logStream());
            return "";
        } catch (SdkException e) {
            // The outcome must still be recorded; the message then carries the phases' contexts and the log link.
            LOG.warn("imageId={} cannot read build log {} {}: {}", build.imageId(), build.logGroup(), build.logStream(), e.getMessage());
            return "";
        }
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    /** The ECR URI of an image id: {@code <registry>/<repository>:<id>}. */
    public String imageUri(ImageId id) {
        return repositoryUri() + ":" + id.value();
    }

    private String repositoryUri() {
        String uri = repositoryUri;
        if (uri == null) {
            uri = ecr.describeRepositories(r -> r.repositoryNames(settings.repository())).repositories().get(0).repositoryUri();
            repositoryUri = uri;
        }
        return uri;
    }

    /** Takes the build of an id unless one is running or done; a failed build may be retried. */
    private boolean claim(ImageId id) {
        try {
            dynamo.putItem(r -> r.tableName(settings.table())
                    .item(Map.of("pk", string("IMAGE#" + id.value()), "sk", string("BUILD"),
                            "status", string(ImageBuildStatus.BUILDING.name())))
                    .conditionExpression("attribute_not_exists(pk) OR #s = :failed")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":failed", string(ImageBuildStatus.FAILED.name()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private void record(ImageId id, Map<String, AttributeValue> values) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> vals = new HashMap<>();
        StringBuilder set = new StringBuilder("SET ");
        int i = 0;
        for (Map.Entry<String, AttributeValue> e : values.entrySet()) {
            if (i > 0) {
                set.append(", ");
            }
            set.append("#n").append(i).append(" = :v").append(i);
            names.put("#n" + i, e.getKey());
            vals.put(":v" + i, e.getValue());
            i++;
        }
        dynamo.updateItem(r -> r.tableName(settings.table()).key(key(id)).updateExpression(set.toString())
                .expressionAttributeNames(names).expressionAttributeValues(vals));
    }

    private void finish(ImageId id, ImageBuildStatus status, String ref, String message, String logUrl, String log) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put("status", string(status.name()));
        if (ref != null) {
            values.put("ref", string(ref));
        }
        if (message != null) {
            values.put("message", string(message));
        }
        if (logUrl != null) {
            values.put("logUrl", string(logUrl));
        }
        if (log != null) {
            values.put("log", string(log));
        }
        record(id, values);
    }

    /** Where an image's build context goes in the bucket: {@code contexts/<imageId>.tar.gz}, as the buildspec expects. */
    public static String contextKey(ImageId id) {
        return CONTEXT_PREFIX + id.value() + ".tar.gz";
    }

    /**
     * The {@code StartBuild} request: the project as the stack configured it (source, buildspec, privileged mode,
     * {@code REPOSITORY_URI}, {@code CONTEXT_BUCKET}), with the image id and the context key as environment overrides.
     */
    static ObjectNode startBuildRequest(String project, ImageId id, String contextKey) {
        ObjectNode request = CodeBuildApi.object().put("projectName", project);
        ArrayNode env = request.putArray("environmentVariablesOverride");
        env.addObject().put("name", IMAGE_ID_VARIABLE).put("value", id.value()).put("type", "PLAINTEXT");
        env.addObject().put("name", CONTEXT_KEY_VARIABLE).put("value", contextKey).put("type", "PLAINTEXT");
        return request;
    }

    /** The context as a gzipped tar: {@code Dockerfile} at the root, then the files beside it. */
    static byte[] context(BuildContext context) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(context.tar());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot compress the build context", e);
        }
        return bytes.toByteArray();
    }

    private static Map<String, AttributeValue> key(ImageId id) {
        return Map.of("pk", string("IMAGE#" + id.value()), "sk", string("BUILD"));
    }

    private static AttributeValue string(String s) {
        return AttributeValue.builder().s(s).build();
    }
}

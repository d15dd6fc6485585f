package dev.berth.functions.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.functions.internal.CodeBuildApi;
import dev.berth.image.BuildContext;
import dev.berth.image.DockerfileRenderer;
import dev.berth.image.ImageBuild;
import dev.berth.image.ImageBuildStatus;
import dev.berth.image.ImageBuilder;
import dev.berth.image.ImageId;
import dev.berth.image.ImageSpec;
import dev.berth.pod.PodEvents;
import java.util.HashMap;
import java.io.ByteArrayOutputStream;
import java.util.zip.GZIPOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
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
 * <p>The outcome arrives later as an EventBridge event; {@link #buildFinished} records it and says what to
 * report. A build record per image id in the pods table ({@code pk = IMAGE#<id>, sk = BUILD}), written
 * conditionally, makes repeated or concurrent {@link #build} calls start one build. Thread-safe.
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

    private final CodeBuildApi codeBuild;
    private final S3Client s3;
    private final EcrClient ecr;
    private final DynamoDbClient dynamo;
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

    public CodeBuildImageBuilder(CodeBuildApi codeBuild, S3Client s3, EcrClient ecr, DynamoDbClient dynamo,
                                 Settings settings, PodEvents events) {
        this.codeBuild = Objects.requireNonNull(codeBuild, "codeBuild");
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.ecr = Objects.requireNonNull(ecr, "ecr");
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.events = Objects.requireNonNull(events, "events");
    }

    @Override
    public void validate(ImageSpec spec) {
        // CodeBuild pulls any public base image; nothing to check beyond the spec's own validation.
        Objects.requireNonNull(spec, "spec");
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
            finish(id, ImageBuildStatus.FAILED, null, message, null);
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
        String log = item.containsKey("logUrl") ? "CodeBuild log: " + item.get("logUrl").s() + "\n" : "";
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
     * Records the outcome of a build from its "CodeBuild Build State Change" event.
     *
     * @return the image's build as it now stands: READY with its ECR reference, or FAILED with why
     */
    public ImageBuild buildFinished(ImageId id, boolean succeeded, String reason, String logUrl) {
        if (succeeded) {
            String ref = imageUri(id);
            finish(id, ImageBuildStatus.READY, ref, null, logUrl);
            return new ImageBuild(id, ImageBuildStatus.READY, ref, logUrl == null ? "" : "CodeBuild log: " + logUrl, null);
        }
        String message = "Image build of " + id.shortValue() + " failed: " + (reason == null || reason.isBlank() ? "see the build log" : reason)
                + (logUrl == null ? "" : "; log: " + logUrl)
                + ". Fix the image spec (packages, commands, Dockerfile) and create the pod again";
        finish(id, ImageBuildStatus.FAILED, null, message, logUrl);
        return new ImageBuild(id, ImageBuildStatus.FAILED, null, logUrl == null ? "" : "CodeBuild log: " + logUrl, message);
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

    private void finish(ImageId id, ImageBuildStatus status, String ref, String message, String logUrl) {
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

package dev.berth.cdk.image;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.codebuild.BuildEnvironment;
import software.amazon.awscdk.services.codebuild.BuildEnvironmentVariable;
import software.amazon.awscdk.services.codebuild.BuildSpec;
import software.amazon.awscdk.services.codebuild.CloudWatchLoggingOptions;
import software.amazon.awscdk.services.codebuild.ComputeType;
import software.amazon.awscdk.services.codebuild.LinuxBuildImage;
import software.amazon.awscdk.services.codebuild.LoggingOptions;
import software.amazon.awscdk.services.codebuild.Project;
import software.amazon.awscdk.services.codebuild.ProjectProps;
import software.amazon.awscdk.services.ecr.LifecycleRule;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.ecr.RepositoryProps;
import software.amazon.awscdk.services.ecr.TagStatus;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogGroupProps;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.BucketProps;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.constructs.Construct;

/**
 * Builds pod images: the functions upload a build context to the bucket and start the privileged CodeBuild
 * project, which pushes {@code <repository>:<imageId>} to the ECR repository.
 *
 * <p>Build contract (what {@code CodeBuildImageBuilder} must do): upload a gzipped tar whose root holds the
 * {@code Dockerfile} and its files to {@code s3://<BERTH_CONTEXT_BUCKET>/contexts/<imageId>.tar.gz}, then call
 * {@code StartBuild} on {@code BERTH_CODEBUILD_PROJECT} with environment overrides {@code IMAGE_ID=<imageId>}
 * (64 hex) and optionally {@code CONTEXT_KEY=<key>} (default {@code contexts/<imageId>.tar.gz}). The project
 * itself carries {@code REPOSITORY_URI} and {@code CONTEXT_BUCKET}.
 */
public final class ImagePipeline extends Construct {
    /** Key prefix of build contexts in the bucket. */
    public static final String CONTEXT_PREFIX = "contexts/";

    private final Repository repository;
    private final Bucket contextBucket;
    private final Project project;
    private final LogGroup buildLogs;

    public ImagePipeline(Construct scope, String id, ImagePipelineProps props) {
        super(scope, id);
        this.repository = new Repository(this, "Repository", RepositoryProps.builder()
                .imageScanOnPush(true)
                .emptyOnDelete(true)
                .removalPolicy(RemovalPolicy.DESTROY)
                .lifecycleRules(List.of(
                        LifecycleRule.builder().rulePriority(1).description("drop untagged layers of failed pushes")
                                .tagStatus(TagStatus.UNTAGGED).maxImageAge(Duration.days(1)).build(),
                        LifecycleRule.builder().rulePriority(2).description("keep the newest pod images")
                                .tagStatus(TagStatus.ANY).maxImageCount(props.maxImages()).build()))
                .build());
        this.contextBucket = new Bucket(this, "Contexts", BucketProps.builder()
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .lifecycleRules(List.of(software.amazon.awscdk.services.s3.LifecycleRule.builder()
                        .id("expire-contexts")
                        .expiration(Duration.days(props.contextExpirationDays()))
                        .abortIncompleteMultipartUploadAfter(Duration.days(1))
                        .build()))
                .removalPolicy(RemovalPolicy.DESTROY)
                .autoDeleteObjects(true)
                .build());
        this.buildLogs = new LogGroup(this, "BuildLogs", LogGroupProps.builder()
                .retention(props.logRetention())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build());
        this.project = new Project(this, "Build", ProjectProps.builder()
                .description("Berth pod image builds: s3 context -> docker build -> ECR <repo>:<imageId>")
                .environment(BuildEnvironment.builder()
                        .buildImage(LinuxBuildImage.STANDARD_7_0)
                        .computeType(ComputeType.MEDIUM)
                        .privileged(true)
                        .build())
                .environmentVariables(ordered(
                        "CONTEXT_BUCKET", BuildEnvironmentVariable.builder().value(contextBucket.getBucketName()).build(),
                        "REPOSITORY_URI", BuildEnvironmentVariable.builder().value(repository.getRepositoryUri()).build()))
                .buildSpec(BuildSpec.fromObjectToYaml(buildSpec()))
                .timeout(Duration.minutes(props.buildTimeoutMinutes()))
                .logging(LoggingOptions.builder()
                        .cloudWatch(CloudWatchLoggingOptions.builder().logGroup(buildLogs).build())
                        .build())
                .build());
        contextBucket.grantRead(project, CONTEXT_PREFIX + "*");
        repository.grantPullPush(project);
    }

    /** Insertion-ordered, so the synthesized template is the same on every run. */
    private static <V> Map<String, V> ordered(Object... keysAndValues) {
        Map<String, V> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            @SuppressWarnings("unchecked")
            V value = (V) keysAndValues[i + 1];
            map.put((String) keysAndValues[i], value);
        }
        return map;
    }

    private static Map<String, Object> buildSpec() {
        return ordered(
                "version", "0.2",
                "phases", ordered(
                        "pre_build", Map.of("commands", List.of(
                                "case \"$IMAGE_ID\" in *[!0-9a-f]*|'') echo \"IMAGE_ID '$IMAGE_ID' must be 64 lowercase hex digits\"; exit 1;; esac",
                                "test ${#IMAGE_ID} -eq 64 || { echo \"IMAGE_ID '$IMAGE_ID' must be 64 lowercase hex digits\"; exit 1; }",
                                "CONTEXT_KEY=\"${CONTEXT_KEY:-" + CONTEXT_PREFIX + "$IMAGE_ID.tar.gz}\"",
                                "aws ecr get-login-password --region \"$AWS_REGION\" | docker login --username AWS --password-stdin \"${REPOSITORY_URI%%/*}\"",
                                "aws s3 cp \"s3://$CONTEXT_BUCKET/$CONTEXT_KEY\" /tmp/context.tar.gz",
                                "mkdir -p /tmp/context && tar -xzf /tmp/context.tar.gz -C /tmp/context")),
                        "build", Map.of("commands", List.of(
                                "docker build --tag \"$REPOSITORY_URI:$IMAGE_ID\" /tmp/context")),
                        "post_build", Map.of("commands", List.of(
                                "test \"$CODEBUILD_BUILD_SUCCEEDING\" = 1 && docker push \"$REPOSITORY_URI:$IMAGE_ID\"")))
        );
    }

    public Repository repository() {
        return repository;
    }

    public Bucket contextBucket() {
        return contextBucket;
    }

    public Project project() {
        return project;
    }

    public LogGroup buildLogs() {
        return buildLogs;
    }
}

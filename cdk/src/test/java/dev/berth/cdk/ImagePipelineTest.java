package dev.berth.cdk;

import static dev.berth.cdk.TestStacks.Variant.DEFAULT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class ImagePipelineTest {
    @Test
    void repository_scansAndExpiresImages() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResourceProperties("AWS::ECR::Repository", Match.objectLike(Map.of(
                "ImageScanningConfiguration", Map.of("ScanOnPush", true),
                "LifecyclePolicy", Map.of("LifecyclePolicyText", Match.serializedJson(Match.objectLike(Map.of("rules", List.of(
                        Match.objectLike(Map.of("rulePriority", 1, "selection", Match.objectLike(Map.of("tagStatus", "untagged", "countType", "sinceImagePushed")))),
                        Match.objectLike(Map.of("rulePriority", 2, "selection", Match.objectLike(Map.of("tagStatus", "any", "countType", "imageCountMoreThan", "countNumber", 500))))))))))));
    }

    @Test
    void contextBucket_isEncryptedPrivateAndExpiring() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
                "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
                        "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))),
                "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
                        "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                "LifecycleConfiguration", Map.of("Rules", List.of(Match.objectLike(Map.of("ExpirationInDays", 7, "Status", "Enabled")))))));
        t.hasResourceProperties("AWS::S3::BucketPolicy", Match.objectLike(Map.of("PolicyDocument", Match.objectLike(Map.of(
                "Statement", Match.arrayWith(List.of(Match.objectLike(Map.of("Effect", "Deny",
                        "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
    }

    @Test
    void project_isPrivilegedAndCarriesRepositoryAndBucket() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResourceProperties("AWS::CodeBuild::Project", Match.objectLike(Map.of(
                "Source", Match.objectLike(Map.of("Type", "NO_SOURCE")),
                "Environment", Match.objectLike(Map.of(
                        "PrivilegedMode", true,
                        "Image", "aws/codebuild/standard:7.0",
                        "EnvironmentVariables", Match.arrayWith(List.of(
                                Match.objectLike(Map.of("Name", "CONTEXT_BUCKET", "Value", Map.of("Ref", Match.stringLikeRegexp("ImagesContexts.*")))),
                                Match.objectLike(Map.of("Name", "REPOSITORY_URI")))))))));
    }

    @Test
    void buildSpec_logsInFetchesContextBuildsAndPushesTaggedByImageId() {
        Map<String, Map<String, Object>> projects = TestStacks.template(DEFAULT).findResources("AWS::CodeBuild::Project");
        String spec = projects.values().iterator().next().toString();

        assertThat(spec)
                .contains("aws ecr get-login-password")
                .contains("docker login --username AWS --password-stdin")
                .contains("CONTEXT_KEY=\"${CONTEXT_KEY:-contexts/$IMAGE_ID.tar.gz}\"")
                .contains("aws s3 cp \"s3://$CONTEXT_BUCKET/$CONTEXT_KEY\"")
                .contains("docker build --tag \"$REPOSITORY_URI:$IMAGE_ID\"")
                .contains("docker push \"$REPOSITORY_URI:$IMAGE_ID\"");
    }

    @Test
    void buildRole_readsContextsAndPushesToItsRepositoryOnly() {
        List<TestStacks.Statement> build = TestStacks.statements(TestStacks.template(DEFAULT)).stream()
                .filter(s -> s.policy().startsWith("ImagesBuildRole")).toList();

        assertThat(build).anySatisfy(s -> {
            assertThat(s.actions()).contains("ecr:PutImage", "ecr:BatchGetImage");
            assertThat(s.resources().toString()).contains("ImagesRepository");
        });
        assertThat(build).anySatisfy(s -> {
            assertThat(s.actions()).contains("s3:GetObject*");
            assertThat(s.resources().toString()).contains("/contexts/*");
        });
        assertThat(build).filteredOn(TestStacks.Statement::onAnyResource)
                .allSatisfy(s -> assertThat(s.actions()).containsExactly("ecr:GetAuthorizationToken"));
    }
}

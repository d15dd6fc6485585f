package dev.berth.functions.internal;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.Route53ClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Builds the SDK clients of the functions, all sharing one URL-connection HTTP client. In Lambda every
 * setting comes from the environment (region, credentials); tests point them at an emulator.
 *
 * @param endpoint             an endpoint for every service (an emulator), or {@code null} for AWS
 * @param cloudWatchInterceptors extra interceptors for the CloudWatch client only (see localstack-tests' README)
 */
public record AwsClients(Region region, AwsCredentialsProvider credentials, URI endpoint, SdkHttpClient http,
                         List<ExecutionInterceptor> cloudWatchInterceptors) {

    public AwsClients {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(http, "http");
        cloudWatchInterceptors = List.copyOf(cloudWatchInterceptors == null ? List.of() : cloudWatchInterceptors);
    }

    /** Region and credentials from Lambda's environment. */
    public static AwsClients fromEnvironment() {
        return new AwsClients(DefaultAwsRegionProviderChain.builder().build().getRegion(),
                DefaultCredentialsProvider.builder().build(), null, UrlConnectionHttpClient.create(), List.of());
    }

    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder()).build();
    }

    public S3Client s3() {
        return configure(S3Client.builder()).forcePathStyle(endpoint != null).build();
    }

    public EcrClient ecr() {
        return configure(EcrClient.builder()).build();
    }

    public EcsClient ecs() {
        return configure(EcsClient.builder()).build();
    }

    public ElasticLoadBalancingV2Client elb() {
        return configure(ElasticLoadBalancingV2Client.builder()).build();
    }

    public CloudWatchClient cloudWatch() {
        return configure(CloudWatchClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().executionInterceptors(cloudWatchInterceptors).build())
                .build();
    }

    /** Route 53 is global: its endpoint takes the {@code aws-global} signing region. */
    public Route53Client route53() {
        Route53ClientBuilder builder = configure(Route53Client.builder());
        if (endpoint == null) {
            builder.region(Region.AWS_GLOBAL);
        }
        return builder.build();
    }

    public CloudWatchLogsClient logs() {
        return configure(CloudWatchLogsClient.builder()).build();
    }

    /** CodeBuild over its JSON protocol (the SDK module is not published for this SDK version). */
    public CodeBuildApi codeBuild() {
        URI uri = endpoint != null ? endpoint : URI.create("https://codebuild." + region.id() + ".amazonaws.com");
        return new CodeBuildApi(uri, region, credentials, http);
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder) {
        builder.region(region).credentialsProvider(credentials).httpClient(http);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }
}

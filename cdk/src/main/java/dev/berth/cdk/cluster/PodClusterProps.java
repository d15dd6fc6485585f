package dev.berth.cdk.cluster;

import java.nio.file.Path;
import java.util.Objects;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ecr.IRepository;
import software.amazon.awscdk.services.logs.RetentionDays;

/**
 * Props of {@link PodCluster}.
 *
 * @param vpc              the VPC of the cluster
 * @param taskSubnets      subnets of tasks and GPU instances
 * @param podRepository    the ECR repository of pod images (the execution role may pull from it)
 * @param gpu              GPU capacity; {@code null} for none
 * @param logRetention     retention of the pod log group
 * @param metricNamespace  CloudWatch namespace the activity sidecar publishes to
 * @param sidecarDirectory directory holding the sidecar's Dockerfile
 */
public record PodClusterProps(IVpc vpc, SubnetSelection taskSubnets, IRepository podRepository, GpuCapacity gpu,
                              RetentionDays logRetention, String metricNamespace, Path sidecarDirectory) {
    public PodClusterProps {
        Objects.requireNonNull(vpc, "vpc");
        Objects.requireNonNull(taskSubnets, "taskSubnets");
        Objects.requireNonNull(podRepository, "podRepository");
        Objects.requireNonNull(logRetention, "logRetention");
        if (metricNamespace == null || metricNamespace.isBlank() || metricNamespace.startsWith("AWS/")) {
            throw new IllegalArgumentException("metricNamespace '" + metricNamespace + "' is invalid; give a custom namespace such as Berth/Pods");
        }
        Objects.requireNonNull(sidecarDirectory, "sidecarDirectory");
        if (!sidecarDirectory.resolve("Dockerfile").toFile().isFile()) {
            throw new IllegalArgumentException("sidecarDirectory '" + sidecarDirectory.toAbsolutePath()
                    + "' has no Dockerfile; run cdk from the cdk module directory or pass the path of cdk/sidecar");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link PodClusterProps}; defaults: no GPU, one month of logs, {@code Berth/Pods}, {@code sidecar}. */
    public static final class Builder {
        private IVpc vpc;
        private SubnetSelection taskSubnets;
        private IRepository podRepository;
        private GpuCapacity gpu;
        private RetentionDays logRetention = RetentionDays.ONE_MONTH;
        private String metricNamespace = "Berth/Pods";
        private Path sidecarDirectory = Path.of("sidecar");

        public Builder vpc(IVpc vpc) {
            this.vpc = vpc;
            return this;
        }

        public Builder taskSubnets(SubnetSelection taskSubnets) {
            this.taskSubnets = taskSubnets;
            return this;
        }

        public Builder podRepository(IRepository podRepository) {
            this.podRepository = podRepository;
            return this;
        }

        public Builder gpu(GpuCapacity gpu) {
            this.gpu = gpu;
            return this;
        }

        public Builder logRetention(RetentionDays logRetention) {
            this.logRetention = logRetention;
            return this;
        }

        public Builder metricNamespace(String metricNamespace) {
            this.metricNamespace = metricNamespace;
            return this;
        }

        public Builder sidecarDirectory(Path sidecarDirectory) {
            this.sidecarDirectory = sidecarDirectory;
            return this;
        }

        public PodClusterProps build() {
            return new PodClusterProps(vpc, taskSubnets, podRepository, gpu, logRetention, metricNamespace, sidecarDirectory);
        }
    }
}

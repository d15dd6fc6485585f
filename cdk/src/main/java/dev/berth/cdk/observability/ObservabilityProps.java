package dev.berth.cdk.observability;

import java.util.List;
import java.util.Objects;
import software.amazon.awscdk.services.codebuild.IProject;
import software.amazon.awscdk.services.ecs.ICluster;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.sqs.IQueue;

/**
 * Props of {@link Observability}.
 *
 * @param cluster          the pod cluster (Container Insights task counts)
 * @param buildProject     the image build project
 * @param api              the API function alias
 * @param reaper           the reaper function alias
 * @param deadLetterQueues the dead-letter queues to watch
 * @param platformNamespace namespace of the metrics the functions emit (EMF), e.g. {@code PodCreateLatency}
 */
public record ObservabilityProps(ICluster cluster, IProject buildProject, IFunction api, IFunction reaper,
                                 List<IQueue> deadLetterQueues, String platformNamespace) {
    public ObservabilityProps {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(buildProject, "buildProject");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(reaper, "reaper");
        deadLetterQueues = List.copyOf(deadLetterQueues == null ? List.of() : deadLetterQueues);
        Objects.requireNonNull(platformNamespace, "platformNamespace");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link ObservabilityProps}; default namespace {@code Berth/Platform}. */
    public static final class Builder {
        private ICluster cluster;
        private IProject buildProject;
        private IFunction api;
        private IFunction reaper;
        private List<IQueue> deadLetterQueues = List.of();
        private String platformNamespace = "Berth/Platform";

        public Builder cluster(ICluster v) { this.cluster = v; return this; }
        public Builder buildProject(IProject v) { this.buildProject = v; return this; }
        public Builder api(IFunction v) { this.api = v; return this; }
        public Builder reaper(IFunction v) { this.reaper = v; return this; }
        public Builder deadLetterQueues(List<? extends IQueue> v) { this.deadLetterQueues = List.copyOf(v); return this; }
        public Builder platformNamespace(String v) { this.platformNamespace = v; return this; }

        public ObservabilityProps build() {
            return new ObservabilityProps(cluster, buildProject, api, reaper, deadLetterQueues, platformNamespace);
        }
    }
}

package dev.berth.cdk.image;

import software.amazon.awscdk.services.logs.RetentionDays;

/**
 * Props of {@link ImagePipeline}.
 *
 * @param contextExpirationDays days a build context stays in the bucket
 * @param maxImages             tagged pod images the repository keeps (oldest expire first)
 * @param buildTimeoutMinutes   CodeBuild timeout of one image build
 * @param logRetention          retention of the build log group
 */
public record ImagePipelineProps(int contextExpirationDays, int maxImages, int buildTimeoutMinutes, RetentionDays logRetention) {
    public ImagePipelineProps {
        if (contextExpirationDays < 1) {
            throw new IllegalArgumentException("contextExpirationDays " + contextExpirationDays + " must be at least 1");
        }
        if (maxImages < 1) {
            throw new IllegalArgumentException("maxImages " + maxImages + " must be at least 1");
        }
        if (buildTimeoutMinutes < 5 || buildTimeoutMinutes > 480) {
            throw new IllegalArgumentException("buildTimeoutMinutes " + buildTimeoutMinutes + " is out of range; CodeBuild allows 5 to 480");
        }
        if (logRetention == null) {
            throw new IllegalArgumentException("logRetention is required; e.g. RetentionDays.ONE_MONTH");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link ImagePipelineProps}; defaults: 7 days, 500 images, 60 minutes, one month of logs. */
    public static final class Builder {
        private int contextExpirationDays = 7;
        private int maxImages = 500;
        private int buildTimeoutMinutes = 60;
        private RetentionDays logRetention = RetentionDays.ONE_MONTH;

        public Builder contextExpirationDays(int days) {
            this.contextExpirationDays = days;
            return this;
        }

        public Builder maxImages(int maxImages) {
            this.maxImages = maxImages;
            return this;
        }

        public Builder buildTimeoutMinutes(int minutes) {
            this.buildTimeoutMinutes = minutes;
            return this;
        }

        public Builder logRetention(RetentionDays logRetention) {
            this.logRetention = logRetention;
            return this;
        }

        public ImagePipelineProps build() {
            return new ImagePipelineProps(contextExpirationDays, maxImages, buildTimeoutMinutes, logRetention);
        }
    }
}

package dev.berth.cdk.network;

/**
 * Props of {@link Network}.
 *
 * @param existing    a VPC to import instead of creating one; {@code null} creates a new VPC
 * @param natGateways NAT gateways of a new VPC; 0 makes the private subnets isolated and adds VPC endpoints for
 *                    ECR, S3, CloudWatch and CloudWatch Logs instead (pods then have no internet egress)
 * @param maxAzs      availability zones of a new VPC (2 or 3)
 */
public record NetworkProps(ImportedVpc existing, int natGateways, int maxAzs) {
    public NetworkProps {
        if (natGateways < 0 || natGateways > 3) {
            throw new IllegalArgumentException("natGateways " + natGateways + " is out of range; use 0 (none, VPC endpoints) to 3");
        }
        if (maxAzs < 2 || maxAzs > 3) {
            throw new IllegalArgumentException("maxAzs " + maxAzs + " is out of range; use 2 or 3");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link NetworkProps}; defaults: new VPC, one NAT gateway, two zones. */
    public static final class Builder {
        private ImportedVpc existing;
        private int natGateways = 1;
        private int maxAzs = 2;

        public Builder existing(ImportedVpc existing) {
            this.existing = existing;
            return this;
        }

        public Builder natGateways(int natGateways) {
            this.natGateways = natGateways;
            return this;
        }

        public Builder maxAzs(int maxAzs) {
            this.maxAzs = maxAzs;
            return this;
        }

        public NetworkProps build() {
            return new NetworkProps(existing, natGateways, maxAzs);
        }
    }
}

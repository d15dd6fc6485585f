package dev.berth.cdk.cluster;

import java.util.regex.Pattern;

/**
 * The optional GPU capacity of the pod cluster: an Auto Scaling group of ECS GPU-optimized instances that scales
 * from zero when a pod asks for a GPU (Fargate has none).
 *
 * @param instanceType an EC2 instance type with NVIDIA GPUs, e.g. {@code g4dn.xlarge}
 * @param maxInstances upper bound of the group
 */
public record GpuCapacity(String instanceType, int maxInstances) {
    private static final Pattern INSTANCE_TYPE = Pattern.compile("[a-z][a-z0-9-]*\\.[a-z0-9]+");

    public GpuCapacity {
        if (instanceType == null || !INSTANCE_TYPE.matcher(instanceType).matches()) {
            throw new IllegalArgumentException("gpuInstanceType '" + instanceType + "' is not an EC2 instance type; give one like g4dn.xlarge");
        }
        if (maxInstances < 1 || maxInstances > 100) {
            throw new IllegalArgumentException("gpuMaxInstances " + maxInstances + " is out of range; use 1 to 100");
        }
    }

    public static GpuCapacity of(String instanceType, int maxInstances) {
        return new GpuCapacity(instanceType, maxInstances);
    }
}

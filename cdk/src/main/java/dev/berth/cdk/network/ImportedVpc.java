package dev.berth.cdk.network;

import java.util.List;
import java.util.regex.Pattern;

/**
 * An existing VPC to deploy into, described by ids only so that synthesis needs no AWS lookup.
 *
 * @param vpcId             {@code vpc-…}
 * @param availabilityZones the zones of the subnets, in the order of the subnet lists
 * @param publicSubnetIds   one public subnet per zone (for the load balancers)
 * @param privateSubnetIds  one private subnet per zone with a route to the internet or VPC endpoints (for tasks)
 */
public record ImportedVpc(String vpcId, List<String> availabilityZones, List<String> publicSubnetIds,
                          List<String> privateSubnetIds) {
    private static final Pattern VPC_ID = Pattern.compile("vpc-[0-9a-f]{8,17}");
    private static final Pattern SUBNET_ID = Pattern.compile("subnet-[0-9a-f]{8,17}");

    public ImportedVpc {
        if (vpcId == null || !VPC_ID.matcher(vpcId).matches()) {
            throw new IllegalArgumentException("vpcId '" + vpcId + "' is not a VPC id; give one like vpc-0123456789abcdef0");
        }
        availabilityZones = List.copyOf(availabilityZones == null ? List.of() : availabilityZones);
        publicSubnetIds = List.copyOf(publicSubnetIds == null ? List.of() : publicSubnetIds);
        privateSubnetIds = List.copyOf(privateSubnetIds == null ? List.of() : privateSubnetIds);
        if (availabilityZones.size() < 2) {
            throw new IllegalArgumentException("availabilityZones " + availabilityZones
                    + " must name at least 2 zones for VPC " + vpcId + " (an ALB needs two); e.g. -c availabilityZones=us-east-1a,us-east-1b");
        }
        checkSubnets("publicSubnetIds", publicSubnetIds, availabilityZones.size());
        checkSubnets("privateSubnetIds", privateSubnetIds, availabilityZones.size());
    }

    private static void checkSubnets(String field, List<String> ids, int zones) {
        if (ids.size() != zones) {
            throw new IllegalArgumentException(field + " " + ids + " must hold one subnet per availability zone ("
                    + zones + "), in the same order as availabilityZones");
        }
        for (String id : ids) {
            if (!SUBNET_ID.matcher(id).matches()) {
                throw new IllegalArgumentException(field + " has '" + id + "', which is not a subnet id; give ids like subnet-0123456789abcdef0");
            }
        }
    }
}

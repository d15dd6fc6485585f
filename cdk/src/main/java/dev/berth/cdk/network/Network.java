package dev.berth.cdk.network;

import java.util.List;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;
import software.amazon.awscdk.services.ec2.VpcProps;
import software.constructs.Construct;

/**
 * The VPC pods run in: a new one (public subnets for the load balancers, private ones for tasks, NAT optional) or
 * an existing one imported from ids without any lookup.
 */
public final class Network extends Construct {
    private final IVpc vpc;
    private final SubnetSelection taskSubnets;
    private final SubnetSelection publicSubnets;

    public Network(Construct scope, String id, NetworkProps props) {
        super(scope, id);
        if (props.existing() != null) {
            ImportedVpc existing = props.existing();
            this.vpc = Vpc.fromVpcAttributes(this, "Vpc", VpcAttributes.builder()
                    .vpcId(existing.vpcId())
                    .availabilityZones(existing.availabilityZones())
                    .publicSubnetIds(existing.publicSubnetIds())
                    .privateSubnetIds(existing.privateSubnetIds())
                    .build());
            this.taskSubnets = SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build();
        } else {
            boolean nat = props.natGateways() > 0;
            SubnetType privateType = nat ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED;
            Vpc created = new Vpc(this, "Vpc", VpcProps.builder()
                    .maxAzs(props.maxAzs())
                    .natGateways(props.natGateways())
                    .subnetConfiguration(List.of(
                            SubnetConfiguration.builder().name("public").subnetType(SubnetType.PUBLIC).cidrMask(22).build(),
                            SubnetConfiguration.builder().name("tasks").subnetType(privateType).cidrMask(19).build()))
                    .build());
            if (!nat) {
                addEndpoints(created);
            }
            this.vpc = created;
            this.taskSubnets = SubnetSelection.builder().subnetType(privateType).build();
        }
        this.publicSubnets = SubnetSelection.builder().subnetType(SubnetType.PUBLIC).build();
    }

    // Without NAT, tasks still have to pull images from ECR (layers live in S3), ship logs and publish metrics.
    private static void addEndpoints(Vpc vpc) {
        vpc.addGatewayEndpoint("S3", GatewayVpcEndpointOptions.builder().service(GatewayVpcEndpointAwsService.S3).build());
        vpc.addInterfaceEndpoint("EcrApi", InterfaceVpcEndpointOptions.builder().service(InterfaceVpcEndpointAwsService.ECR).build());
        vpc.addInterfaceEndpoint("EcrDocker", InterfaceVpcEndpointOptions.builder().service(InterfaceVpcEndpointAwsService.ECR_DOCKER).build());
        vpc.addInterfaceEndpoint("Logs", InterfaceVpcEndpointOptions.builder().service(InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS).build());
        vpc.addInterfaceEndpoint("Monitoring", InterfaceVpcEndpointOptions.builder().service(InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING).build());
    }

    public IVpc vpc() {
        return vpc;
    }

    /** The private subnets tasks (and GPU instances) run in. */
    public SubnetSelection taskSubnets() {
        return taskSubnets;
    }

    /** The public subnets the load balancers sit in. */
    public SubnetSelection publicSubnets() {
        return publicSubnets;
    }
}

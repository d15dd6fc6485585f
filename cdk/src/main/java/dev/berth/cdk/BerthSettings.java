package dev.berth.cdk;

import dev.berth.cdk.cluster.GpuCapacity;
import dev.berth.cdk.network.ImportedVpc;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import software.amazon.awscdk.services.logs.RetentionDays;

/**
 * What a deployment of Berth is configured with, usually from CDK context ({@code cdk deploy -c key=value} or
 * {@code cdk.json}); see {@link #fromContext(Function)} for the keys.
 *
 * @param stackName      CloudFormation stack name (≤ 50 characters; prefixes the function names)
 * @param podDomain      the pod domain, e.g. {@code pods.example.com}; pods get {@code https://<label>-<port>.<podDomain>}
 * @param hostedZoneId   the Route 53 public hosted zone id holding {@code podDomain}
 * @param zoneName       that zone's name, e.g. {@code example.com}
 * @param certificateArn an ACM certificate for {@code *.<podDomain>} in the stack's region; {@code null} creates one
 * @param vpc            an existing VPC; {@code null} creates one
 * @param natGateways    NAT gateways of a new VPC (0 = none; VPC endpoints instead)
 * @param albPoolSize    load balancers in the ingress pool
 * @param gpu            GPU capacity; {@code null} for none
 * @param fargateSpot    run non-GPU pods on Fargate Spot
 * @param functionsJar   the functions jar (the Lambda asset)
 * @param logRetentionDays retention of pod, build and function logs
 * @param account        explicit account, or {@code null} for an environment-agnostic stack
 * @param region         explicit region, or {@code null}
 */
public record BerthSettings(String stackName, String podDomain, String hostedZoneId, String zoneName, String certificateArn,
                            ImportedVpc vpc, int natGateways, int albPoolSize, GpuCapacity gpu, boolean fargateSpot,
                            Path functionsJar, int logRetentionDays, String account, String region) {
    /** The default location of the functions jar, relative to the cdk module directory. */
    public static final String DEFAULT_FUNCTIONS_JAR = "../functions/target/berth-functions.jar";

    private static final Map<Integer, RetentionDays> RETENTION = Map.ofEntries(
            Map.entry(1, RetentionDays.ONE_DAY), Map.entry(3, RetentionDays.THREE_DAYS), Map.entry(5, RetentionDays.FIVE_DAYS),
            Map.entry(7, RetentionDays.ONE_WEEK), Map.entry(14, RetentionDays.TWO_WEEKS), Map.entry(30, RetentionDays.ONE_MONTH),
            Map.entry(60, RetentionDays.TWO_MONTHS), Map.entry(90, RetentionDays.THREE_MONTHS), Map.entry(120, RetentionDays.FOUR_MONTHS),
            Map.entry(150, RetentionDays.FIVE_MONTHS), Map.entry(180, RetentionDays.SIX_MONTHS), Map.entry(365, RetentionDays.ONE_YEAR));
    private static final Pattern DOMAIN = Pattern.compile("(?=.{4,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}");
    private static final Pattern ZONE_ID = Pattern.compile("Z[A-Z0-9]{1,31}");
    private static final Pattern STACK_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,49}");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");

    public BerthSettings {
        if (stackName == null || !STACK_NAME.matcher(stackName).matches()) {
            throw new IllegalArgumentException("stackName '" + stackName + "' is invalid; use a letter then letters, digits or '-', at most 50 characters");
        }
        podDomain = podDomain == null ? null : podDomain.toLowerCase(Locale.ROOT);
        if (podDomain == null || !DOMAIN.matcher(podDomain).matches()) {
            throw new IllegalArgumentException("domainName '" + podDomain + "' is not a DNS name; pass -c domainName=pods.example.com");
        }
        if (hostedZoneId == null || !ZONE_ID.matcher(hostedZoneId).matches()) {
            throw new IllegalArgumentException("hostedZoneId '" + hostedZoneId
                    + "' is not a Route 53 hosted zone id; pass -c hostedZoneId=Z0123456789ABCDEFGHIJ (aws route53 list-hosted-zones)");
        }
        zoneName = zoneName == null ? null : zoneName.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        if (zoneName == null || !(podDomain.equals(zoneName) || podDomain.endsWith("." + zoneName))) {
            throw new IllegalArgumentException("zoneName '" + zoneName + "' must be the hosted zone holding domainName '" + podDomain
                    + "'; pass -c zoneName=<the zone's name, e.g. example.com>");
        }
        if (albPoolSize < 1 || albPoolSize > 20) {
            throw new IllegalArgumentException("albPoolSize " + albPoolSize + " is out of range; use 1 to 20 load balancers");
        }
        if (natGateways < 0 || natGateways > 3) {
            throw new IllegalArgumentException("natGateways " + natGateways + " is out of range; use 0 (VPC endpoints, no egress) to 3");
        }
        if (!RETENTION.containsKey(logRetentionDays)) {
            throw new IllegalArgumentException("logRetentionDays " + logRetentionDays + " is not a CloudWatch Logs retention; use one of "
                    + new TreeSet<>(RETENTION.keySet()));
        }
        if (gpu != null && vpc == null && natGateways == 0) {
            throw new IllegalArgumentException("gpu=true needs natGateways >= 1 (the ECS agent on GPU instances reaches ECS through NAT);"
                    + " pass -c natGateways=1 or -c gpu=false");
        }
        Objects.requireNonNull(functionsJar, "functionsJar");
        if (account != null && !ACCOUNT.matcher(account).matches()) {
            throw new IllegalArgumentException("account '" + account + "' is not a 12-digit AWS account id");
        }
        if (region != null && !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("region '" + region + "' is not an AWS region such as us-east-1");
        }
    }

    /** The log retention as CloudWatch Logs knows it. */
    public RetentionDays logRetention() {
        return RETENTION.get(logRetentionDays);
    }

    /**
     * Reads the settings from CDK context. Keys: {@code domainName}, {@code hostedZoneId}, {@code zoneName} (required);
     * {@code stackName} (Berth), {@code certificateArn}, {@code vpcId} with {@code availabilityZones},
     * {@code publicSubnetIds}, {@code privateSubnetIds} (comma-separated), {@code natGateways} (1),
     * {@code albPoolSize} (1), {@code gpu} (false), {@code gpuInstanceType} (g4dn.xlarge), {@code gpuMaxInstances} (2),
     * {@code fargateSpot} (false), {@code functionsJar} ({@value #DEFAULT_FUNCTIONS_JAR}), {@code logRetentionDays}
     * (30), {@code account}, {@code region}.
     */
    public static BerthSettings fromContext(Function<String, Object> context) {
        String vpcId = text(context, "vpcId");
        ImportedVpc vpc = vpcId == null ? null : new ImportedVpc(vpcId, list(context, "availabilityZones"),
                list(context, "publicSubnetIds"), list(context, "privateSubnetIds"));
        GpuCapacity gpu = bool(context, "gpu", false)
                ? GpuCapacity.of(Objects.requireNonNullElse(text(context, "gpuInstanceType"), "g4dn.xlarge"), integer(context, "gpuMaxInstances", 2))
                : null;
        return new BerthSettings(
                Objects.requireNonNullElse(text(context, "stackName"), "Berth"),
                required(context, "domainName", "pods.example.com"),
                required(context, "hostedZoneId", "Z0123456789ABCDEFGHIJ"),
                required(context, "zoneName", "example.com"),
                text(context, "certificateArn"),
                vpc,
                integer(context, "natGateways", 1),
                integer(context, "albPoolSize", 1),
                gpu,
                bool(context, "fargateSpot", false),
                Path.of(Objects.requireNonNullElse(text(context, "functionsJar"), DEFAULT_FUNCTIONS_JAR)),
                integer(context, "logRetentionDays", 30),
                text(context, "account"),
                text(context, "region"));
    }

    private static String required(Function<String, Object> context, String key, String example) {
        String value = text(context, key);
        if (value == null) {
            throw new IllegalArgumentException("Context value '" + key + "' is required; pass -c " + key + "=" + example
                    + " to cdk (or set it under \"context\" in cdk.json)");
        }
        return value;
    }

    private static String text(Function<String, Object> context, String key) {
        Object value = context.apply(key);
        if (value == null) {
            return null;
        }
        String text = value.toString().trim();
        return text.isEmpty() ? null : text;
    }

    private static List<String> list(Function<String, Object> context, String key) {
        Object value = context.apply(key);
        if (value instanceof List<?> items) {
            return items.stream().map(Object::toString).map(String::trim).toList();
        }
        String text = text(context, key);
        return text == null ? List.of() : Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static int integer(Function<String, Object> context, String key, int fallback) {
        Object raw = context.apply(key);
        if (raw instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
            return number.intValue(); // cdk.json numbers arrive as doubles
        }
        String text = text(context, key);
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Context value '" + key + "' is '" + text + "', not a whole number; pass -c " + key + "=" + fallback, e);
        }
    }

    private static boolean bool(Function<String, Object> context, String key, boolean fallback) {
        String text = text(context, key);
        if (text == null) {
            return fallback;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException("Context value '" + key + "' is '" + text + "'; pass -c " + key + "=true or false");
        };
    }
}

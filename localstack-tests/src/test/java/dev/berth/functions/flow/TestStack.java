package dev.berth.functions.flow;

import dev.berth.emulator.Emulator;
import dev.berth.emulator.Fixtures;
import dev.berth.functions.AwsPlatform;
import dev.berth.functions.FunctionConfig;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * One Berth stack on the emulator as the CDK wires it, for tests of several stacks in one account and region: its own
 * VPC (given), ALB listener, table, cluster and reaper function, plus whatever variables a test adds.
 */
final class TestStack {
    private TestStack() {
    }

    static AwsPlatform platform(Emulator aws, Fixtures.Network network, String domain) {
        return platform(aws, env(aws, network, domain));
    }

    /** @param extra variables to set on top of (or instead of) the stack's own, such as the waker's */
    static AwsPlatform platform(Emulator aws, Fixtures.Network network, String domain, Map<String, String> extra) {
        Map<String, String> env = env(aws, network, domain);
        env.putAll(extra);
        return platform(aws, env);
    }

    /** The platform of a stack's environment: a second call with the same one is the same stack after a redeploy. */
    static AwsPlatform platform(Emulator aws, Map<String, String> env) {
        return new AwsPlatform(FunctionConfig.fromEnv(env), aws.clients(), Clock.systemUTC());
    }

    /** A new stack's environment (its resources created on the emulator), modifiable. */
    static Map<String, String> env(Emulator aws, Fixtures.Network network, String domain) {
        return new HashMap<>(Map.ofEntries(
                Map.entry("BERTH_TABLE", Fixtures.table(aws)),
                Map.entry("BERTH_DOMAIN", domain),
                Map.entry("BERTH_CLUSTER", Fixtures.cluster(aws)),
                Map.entry("BERTH_SUBNETS", String.join(",", network.subnets())),
                Map.entry("BERTH_TASK_SECURITY_GROUP", network.securityGroup()),
                Map.entry("BERTH_VPC_ID", network.vpcId()),
                Map.entry("BERTH_LISTENER_ARNS", String.join(",", Fixtures.listeners(aws, network, 1))),
                Map.entry("BERTH_TASK_EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/berth-exec"),
                Map.entry("BERTH_LOG_GROUP", Fixtures.logGroup(aws)),
                Map.entry("BERTH_ECR_REPOSITORY", Fixtures.repository(aws)),
                Map.entry("BERTH_CODEBUILD_PROJECT", Fixtures.codeBuildProject(aws)),
                Map.entry("BERTH_CONTEXT_BUCKET", Fixtures.bucket(aws)),
                Map.entry("BERTH_REAPER_ARN", "arn:aws:lambda:us-east-1:123456789012:function:" + Emulator.unique("berth-reaper"))));
    }
}

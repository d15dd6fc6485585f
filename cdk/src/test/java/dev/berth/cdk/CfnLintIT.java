package dev.berth.cdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Synthesizes every variant of the stack (new VPC with and without NAT, imported VPC; GPU off and on; certificate
 * created and given) into {@code target/cdk.out-<variant>} and runs cfn-lint on each template: zero findings.
 * Synthesis needs no AWS credentials and makes no lookup (the assembly reports no missing context).
 */
class CfnLintIT {
    /**
     * W3005 (redundant DependsOn) is ignored: CDK makes each function and custom resource depend on its role and
     * the role's policy to order IAM before use, which cfn-lint reports as already implied by the Role reference.
     */
    private static final List<String> IGNORED = List.of("W3005");

    @ParameterizedTest
    @EnumSource(TestStacks.Variant.class)
    void template_passesCfnLint(TestStacks.Variant variant) throws IOException, InterruptedException {
        TestStacks.Synthesized synthesized = TestStacks.synth(variant);
        assertThat(synthesized.assembly().getManifest().getMissing())
                .as("context lookups in %s (synthesis must not need AWS)", variant)
                .isNullOrEmpty();
        Path template = synthesized.templateFile();
        assertThat(template).exists();

        Process process;
        try {
            process = new ProcessBuilder("cfn-lint", "--format", "parseable", "--ignore-checks", String.join(",", IGNORED),
                    "--", template.toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            fail("cfn-lint is not on PATH; install it with `pip install cfn-lint` and rerun (" + e.getMessage() + ")");
            return;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();

        assertThat(exit).as("cfn-lint exit code on %s:%n%s", template, output).isZero();
        assertThat(Files.size(template)).isPositive();
    }
}

package dev.berth.cdk;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;

/**
 * Synthesizes Berth stacks for tests into {@code target/cdk.out-<variant>}, against a small real jar standing in
 * for the functions jar. Each variant is synthesized once per JVM.
 */
final class TestStacks {
    static final String ZONE_ID = "Z0123456789ABCDEFGHIJ";
    static final String CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0f3e9f4c-1b2a-4c55-9d1e-1234567890ab";
    static final Path TARGET = Path.of("target");

    /** The stack variants the tests (and cfn-lint) cover. */
    enum Variant {
        /** New VPC with one NAT gateway, certificate created, one ALB, no GPU, environment-agnostic. */
        DEFAULT,
        /** New VPC without NAT (VPC endpoints instead). */
        NO_NAT,
        /** Imported VPC, GPU on, certificate given, three ALBs, Fargate Spot, explicit account and region. */
        IMPORTED_GPU_CERT;

        Map<String, Object> context() {
            Map<String, Object> context = TestStacks.context();
            switch (this) {
                case DEFAULT -> { }
                case NO_NAT -> context.put("natGateways", "0");
                case IMPORTED_GPU_CERT -> {
                    importedVpc(context);
                    context.put("gpu", "true");
                    context.put("certificateArn", CERTIFICATE_ARN);
                    context.put("albPoolSize", "3");
                    context.put("fargateSpot", "true");
                }
            }
            return context;
        }

        Path outdir() {
            return TARGET.resolve("cdk.out-" + name().toLowerCase().replace('_', '-'));
        }
    }

    /** A synthesized variant: the stack, its template and the cloud assembly. */
    record Synthesized(BerthStack stack, Template template, CloudAssembly assembly) {
        Path templateFile() {
            return Path.of(assembly.getDirectory()).resolve(stack.getTemplateFile());
        }
    }

    private static final Map<Variant, Synthesized> CACHE = new ConcurrentHashMap<>();

    private TestStacks() {
    }

    static synchronized Synthesized synth(Variant variant) {
        return CACHE.computeIfAbsent(variant, v -> {
            App app = new App(AppProps.builder().outdir(v.outdir().toString()).context(v.context()).build());
            BerthStack stack = new BerthStack(app, BerthSettings.fromContext(key -> app.getNode().tryGetContext(key)));
            Template template = Template.fromStack(stack);
            return new Synthesized(stack, template, app.synth());
        });
    }

    static Template template(Variant variant) {
        return synth(variant).template();
    }

    private static Path functionsJar;

    /** A real (tiny) jar with a manifest and one entry, written once per JVM to a temp dir, as the Lambda code asset. */
    static synchronized Path functionsJar() {
        if (functionsJar != null) {
            return functionsJar;
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try {
            Path dir = Files.createTempDirectory("berth-functions");
            Path jar = dir.resolve("berth-functions.jar");
            jar.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
                jarOut.putNextEntry(new JarEntry("dev/berth/functions/README.txt"));
                jarOut.write("stand-in for the Berth functions jar".getBytes(StandardCharsets.UTF_8));
                jarOut.closeEntry();
            }
            functionsJar = jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return functionsJar;
    }

    /** The required context plus the test jar. */
    static Map<String, Object> context() {
        Map<String, Object> context = new HashMap<>();
        context.put("domainName", "pods.example.com");
        context.put("hostedZoneId", ZONE_ID);
        context.put("zoneName", "example.com");
        context.put("functionsJar", functionsJar().toString());
        return context;
    }

    static Map<String, Object> importedVpc(Map<String, Object> context) {
        context.put("vpcId", "vpc-0123456789abcdef0");
        context.put("availabilityZones", "eu-west-1a,eu-west-1b");
        context.put("publicSubnetIds", "subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2");
        context.put("privateSubnetIds", "subnet-0bbbbbbbbbbbbbbb1,subnet-0bbbbbbbbbbbbbbb2");
        context.put("account", "123456789012");
        context.put("region", "eu-west-1");
        return context;
    }

    /** Every IAM statement of the template (inline and managed policies), with the logical id of its policy. */
    @SuppressWarnings("unchecked")
    static List<Statement> statements(Template template) {
        List<Statement> statements = new ArrayList<>();
        for (String type : List.of("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")) {
            template.findResources(type).forEach((id, resource) -> {
                Map<String, Object> properties = (Map<String, Object>) resource.get("Properties");
                Map<String, Object> document = (Map<String, Object>) properties.get("PolicyDocument");
                for (Object raw : (List<Object>) document.get("Statement")) {
                    statements.add(new Statement(id, (Map<String, Object>) raw));
                }
            });
        }
        return statements;
    }

    /** One IAM statement and the policy it belongs to. */
    record Statement(String policy, Map<String, Object> json) {
        String sid() {
            return (String) json.get("Sid");
        }

        List<String> actions() {
            return strings(json.get("Action"));
        }

        List<Object> resources() {
            Object resource = json.get("Resource");
            return resource instanceof List<?> list ? List.copyOf(list) : List.of(resource);
        }

        boolean onAnyResource() {
            return resources().contains("*");
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> condition() {
            return (Map<String, Object>) json.get("Condition");
        }

        private static List<String> strings(Object value) {
            if (value instanceof List<?> list) {
                return list.stream().map(Object::toString).toList();
            }
            return List.of(value.toString());
        }
    }
}

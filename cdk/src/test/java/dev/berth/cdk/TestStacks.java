package dev.berth.cdk;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Template;

/** Synthesizes Berth stacks for tests, against a small real jar standing in for the functions jar. */
final class TestStacks {
    static final String ZONE_ID = "Z0123456789ABCDEFGHIJ";
    static final String CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0f3e9f4c-1b2a-4c55-9d1e-1234567890ab";

    private TestStacks() {
    }

    /** A real (tiny) jar with a manifest and one class-like entry, as Lambda's code asset. */
    static Path functionsJar(Path dir) {
        Path jar = dir.resolve("berth-functions.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
            jarOut.putNextEntry(new JarEntry("dev/berth/functions/README.txt"));
            jarOut.write("stand-in for the Berth functions jar".getBytes(StandardCharsets.UTF_8));
            jarOut.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    /** The required context plus the jar. */
    static Map<String, Object> context(Path jarDir) {
        Map<String, Object> context = new HashMap<>();
        context.put("domainName", "pods.example.com");
        context.put("hostedZoneId", ZONE_ID);
        context.put("zoneName", "example.com");
        context.put("functionsJar", functionsJar(jarDir).toString());
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

    /** Synthesizes a stack from context into outdir and returns it. */
    static BerthStack stack(Map<String, Object> context, Path outdir) {
        App app = new App(AppProps.builder().outdir(outdir.toString()).context(context).build());
        BerthSettings settings = BerthSettings.fromContext(key -> app.getNode().tryGetContext(key));
        return new BerthStack(app, settings);
    }

    static Template template(Map<String, Object> context, Path outdir) {
        return Template.fromStack(stack(context, outdir));
    }
}

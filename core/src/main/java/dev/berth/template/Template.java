package dev.berth.template;

import dev.berth.InvalidSpecException;
import dev.berth.internal.Checks;
import dev.berth.pod.PodSpec;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A ready pod: a spec with its files embedded in {@code spec.image.files}, started with
 * {@code berth run --template <name>} and overridable field by field.
 *
 * @param name        what users type: lowercase letters, digits and '-'
 * @param description one line for {@code berth templates}
 * @param spec        the pod spec the template starts
 * @param requiresGpu whether the pod needs a GPU; then {@code spec.gpu} is set, and platforms without one refuse it
 */
public record Template(String name, String description, PodSpec spec, boolean requiresGpu) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");

    public Template {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidSpecException("name", "Invalid template name '" + Checks.shown(name)
                    + "'; use up to 40 lowercase letters, digits and '-', starting with a letter");
        }
        if (description == null || description.isBlank()) {
            throw new InvalidSpecException("description", "Template '" + name + "' has no description; give one line");
        }
        Objects.requireNonNull(spec, "spec");
        if (requiresGpu != (spec.gpu() != null)) {
            throw new InvalidSpecException("requiresGpu", "Template '" + name + "' says requiresGpu=" + requiresGpu
                    + " but its spec's gpu is " + (spec.gpu() == null ? "unset" : "'" + spec.gpu() + "'")
                    + "; set both or neither");
        }
    }
}

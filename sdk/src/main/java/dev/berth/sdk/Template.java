package dev.berth.sdk;

import dev.berth.pod.PodSpec;
import java.util.Objects;

/**
 * A ready-made pod the platform offers ({@code jupyter}, {@code streamlit}, …): run it as is with
 * {@code client.create(Pod.of(template.spec()))}, or change its spec first ({@code template.spec().toBuilder()}).
 *
 * @param name        the template's name, as {@link BerthClient#template(String)} takes it
 * @param description one line saying what it runs
 * @param spec        the pod it runs
 * @param requiresGpu whether the platform needs a GPU to run it
 */
public record Template(String name, String description, PodSpec spec, boolean requiresGpu) {
    public Template {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
        description = description == null ? "" : description;
    }
}

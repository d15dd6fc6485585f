package dev.berth.template;

import dev.berth.NotFoundException;
import dev.berth.internal.Checks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The templates a platform offers ({@code GET /v1/templates}, {@code berth templates}). Implementations are
 * immutable and thread-safe.
 *
 * <pre>{@code
 * TemplateCatalog catalog = new BuiltInTemplates();
 * PodSpec spec = catalog.get("jupyter").spec().toBuilder().keepWarmSeconds(300).build();
 * }</pre>
 */
public interface TemplateCatalog {

    /** Every template, in the catalog's order. */
    List<Template> list();

    /** The template of this name, if the catalog has one. */
    default Optional<Template> find(String name) {
        return list().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /**
     * The template of this name.
     *
     * @throws NotFoundException naming the unknown name and the available ones
     */
    default Template get(String name) {
        return find(name).orElseThrow(() -> new NotFoundException("Unknown template '" + Checks.shown(name) + "'; available: "
                + (list().isEmpty() ? "none (this platform has no template catalog)"
                        : list().stream().map(Template::name).collect(Collectors.joining(", ")))));
    }

    /** A catalog without templates. */
    static TemplateCatalog empty() {
        return of(List.of());
    }

    /** A catalog of these templates, in this order; names must be unique. */
    static TemplateCatalog of(List<Template> templates) {
        Map<String, Template> byName = new LinkedHashMap<>();
        for (Template t : templates) {
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("Template '" + t.name() + "' is listed twice");
            }
        }
        List<Template> list = List.copyOf(byName.values());
        return new TemplateCatalog() {
            @Override
            public List<Template> list() {
                return list;
            }

            @Override
            public Optional<Template> find(String name) {
                return Optional.ofNullable(byName.get(name));
            }
        };
    }
}

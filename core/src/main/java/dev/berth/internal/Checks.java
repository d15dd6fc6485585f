package dev.berth.internal;

import dev.berth.InvalidSpecException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Validation shared by the spec records. Each failure names the field, the value and the fix. */
public final class Checks {
    public static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_SHOWN = 60;

    private Checks() {
    }

    public static <T> List<T> list(List<T> values, String field) {
        if (values == null) {
            return List.of();
        }
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null) {
                throw new InvalidSpecException(field + "[" + i + "]", field + "[" + i + "] is null; remove it or give a value");
            }
        }
        return List.copyOf(values);
    }

    public static Map<String, String> env(Map<String, String> env, String field) {
        if (env == null) {
            return Map.of();
        }
        if (env.size() > 256) {
            throw new InvalidSpecException(field, field + " has " + env.size() + " variables; at most 256 are allowed");
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (name == null || !ENV_NAME.matcher(name).matches()) {
                throw new InvalidSpecException(field + "." + name,
                        "Invalid environment variable name '" + shown(name) + "' in " + field
                                + "; use letters, digits and '_', not starting with a digit (e.g. MY_VAR)");
            }
            if (e.getValue() == null) {
                throw new InvalidSpecException(field + "." + name, field + "." + name + " has no value; give a string (it may be empty)");
            }
            if (e.getValue().length() > 32 * 1024) {
                throw new InvalidSpecException(field + "." + name,
                        field + "." + name + " is " + e.getValue().length() + " characters; at most 32768 are allowed");
            }
        }
        return Map.copyOf(new java.util.TreeMap<>(env));
    }

    public static void notBlankItems(List<String> values, String field, String example) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).isBlank()) {
                throw new InvalidSpecException(field + "[" + i + "]", field + "[" + i + "] is blank; give a value such as " + example);
            }
        }
    }

    /** A value cut to a readable length for an error message. */
    public static String shown(Object value) {
        String s = String.valueOf(value);
        return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "…";
    }
}

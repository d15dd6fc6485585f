package dev.berth.sdk.internal;

import dev.berth.sdk.BerthConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Berth config file, {@code $BERTH_HOME/config}: INI-like sections, one per profile.
 *
 * <pre>
 * # a comment
 * [local]
 * home = /srv/berth            # a profile without endpoint = the local platform of that home
 *
 * [prod]
 * endpoint = https://abc123.execute-api.eu-west-1.amazonaws.com/prod
 * aws_region = eu-west-1       # SigV4 with the default AWS credential chain
 *
 * [proxy]
 * endpoint = https://berth.example.com
 * token_file = ~/.berth/proxy-token
 * </pre>
 *
 * Keys: {@code endpoint}, {@code token}, {@code token_file}, {@code aws_region}, {@code home}. Errors name the
 * file, the line and the fix.
 */
public final class ProfileFile {
    static final Set<String> KEYS = Set.of("endpoint", "token", "token_file", "aws_region", "home");
    private static final Pattern SECTION = Pattern.compile("\\[\\s*([A-Za-z0-9_.-]+)\\s*]");

    private final Path file;
    private final Map<String, Profile> profiles;

    private ProfileFile(Path file, Map<String, Profile> profiles) {
        this.file = file;
        this.profiles = profiles;
    }

    /** One profile's keys, with the line each was set on (for errors). */
    public record Profile(String name, Path file, Map<String, String> values, Map<String, Integer> lines) {
        public Optional<String> get(String key) {
            return Optional.ofNullable(values.get(key));
        }

        /** Where {@code key} was set, as {@code file:line}, or the file for a missing key. */
        public String where(String key) {
            Integer line = lines.get(key);
            return line == null ? file + " [" + name + "]" : file + ":" + line;
        }
    }

    /** The file, or empty if there is none. */
    public static Optional<ProfileFile> read(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new BerthConfigException(file.toString(), "Cannot read the Berth config " + file + " (" + e.getMessage()
                    + "); make it readable or set BERTH_HOME to another directory", e);
        }
        return Optional.of(parse(file, lines));
    }

    static ProfileFile parse(Path file, List<String> lines) {
        Map<String, Profile> profiles = new LinkedHashMap<>();
        String section = null;
        Map<String, String> values = null;
        Map<String, Integer> where = null;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = stripComment(lines.get(i)).strip();
            if (line.isEmpty()) {
                continue;
            }
            String at = file + ":" + lineNo;
            if (line.startsWith("[")) {
                var m = SECTION.matcher(line);
                if (!m.matches()) {
                    throw new BerthConfigException(at, at + ": malformed section header '" + line
                            + "'; write a profile name of letters, digits, '_', '.' or '-' in brackets, e.g. [prod]");
                }
                section = m.group(1);
                if (profiles.containsKey(section)) {
                    throw new BerthConfigException(at, at + ": profile [" + section + "] is defined twice; merge the two sections");
                }
                values = new LinkedHashMap<>();
                where = new LinkedHashMap<>();
                profiles.put(section, new Profile(section, file, values, where));
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new BerthConfigException(at, at + ": expected 'key = value' or '[profile]' but found '" + line
                        + "'; e.g. endpoint = https://…");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (section == null) {
                throw new BerthConfigException(at, at + ": '" + key + "' is outside any profile; put a section header such as [default] above it");
            }
            if (!KEYS.contains(key)) {
                throw new BerthConfigException(at, at + ": unknown key '" + key + "' in profile [" + section + "]; known keys: "
                        + String.join(", ", KEYS.stream().sorted().toList()));
            }
            if (value.isEmpty()) {
                throw new BerthConfigException(at, at + ": '" + key + "' has no value; give one after '=' or remove the line");
            }
            if (values.containsKey(key)) {
                throw new BerthConfigException(at, at + ": '" + key + "' is set twice in profile [" + section + "] (first on line "
                        + where.get(key) + "); keep one");
            }
            values.put(key, value);
            where.put(key, lineNo);
        }
        return new ProfileFile(file, Map.copyOf(profiles));
    }

    /** A '#' or ';' starts a comment at the beginning of a line or after whitespace. */
    private static String stripComment(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c == '#' || c == ';') && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /**
     * Sets keys of profile {@code name} in {@code file}, creating the file or the section as needed; a
     * {@code null} value removes the key. Other lines and comments stay as they are; the file is written with
     * mode 0600 (it may hold a token) and must parse afterwards.
     *
     * @throws BerthConfigException if the name, a key or a value is not valid, or the file cannot be written
     */
    public static ProfileFile set(Path file, String name, Map<String, String> values) {
        checkName(name);
        List<String> lines = new java.util.ArrayList<>(existingLines(file));
        int[] section = section(lines, name);
        if (section == null) {
            if (!lines.isEmpty() && !lines.getLast().isBlank()) {
                lines.add("");
            }
            lines.add("[" + name + "]");
            section = new int[] {lines.size() - 1, lines.size()};
        }
        int end = section[1];
        for (Map.Entry<String, String> entry : new java.util.TreeMap<>(values).entrySet()) {
            String key = entry.getKey();
            String value = entry.getValue();
            if (!KEYS.contains(key)) {
                throw new BerthConfigException(key, "Unknown key '" + key + "'; known keys: " + String.join(", ", KEYS.stream().sorted().toList()));
            }
            if (value != null && (value.isBlank() || value.contains("\n") || value.contains("\r"))) {
                throw new BerthConfigException(key, "Invalid value for '" + key + "'; give one non-blank line");
            }
            int at = -1;
            for (int i = section[0] + 1; i < end; i++) {
                String line = stripComment(lines.get(i)).strip();
                int eq = line.indexOf('=');
                if (eq > 0 && line.substring(0, eq).strip().equals(key)) {
                    at = i;
                }
            }
            if (value == null) {
                if (at >= 0) {
                    lines.remove(at);
                    end--;
                }
            } else if (at >= 0) {
                lines.set(at, key + " = " + value);
            } else {
                int insert = end;
                while (insert - 1 > section[0] && lines.get(insert - 1).isBlank()) {
                    insert--;
                }
                lines.add(insert, key + " = " + value);
                end++;
            }
        }
        ProfileFile parsed = parse(file, lines);
        write(file, lines);
        return parsed;
    }

    /**
     * Removes profile {@code name} (its header, keys and the comments between them) from {@code file}.
     *
     * @return whether there was such a profile
     */
    public static boolean remove(Path file, String name) {
        List<String> lines = new java.util.ArrayList<>(existingLines(file));
        int[] section = section(lines, name);
        if (section == null) {
            return false;
        }
        lines.subList(section[0], section[1]).clear();
        while (section[0] > 0 && section[0] <= lines.size() && lines.get(section[0] - 1).isBlank()
                && (section[0] == lines.size() || lines.get(section[0]).isBlank())) {
            lines.remove(section[0] - 1);
            section[0]--;
        }
        parse(file, lines);
        write(file, lines);
        return true;
    }

    private static void checkName(String name) {
        if (name == null || !SECTION.matcher("[" + name + "]").matches()) {
            throw new BerthConfigException("profile", "Invalid profile name '" + name
                    + "'; use letters, digits, '_', '.' or '-' (e.g. prod)");
        }
    }

    /** The lines {@code [start, end)} of the section named {@code name}, or {@code null}. */
    private static int[] section(List<String> lines, String name) {
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = stripComment(lines.get(i)).strip();
            if (line.startsWith("[")) {
                if (start >= 0) {
                    return new int[] {start, i};
                }
                var m = SECTION.matcher(line);
                if (m.matches() && m.group(1).equals(name)) {
                    start = i;
                }
            }
        }
        return start >= 0 ? new int[] {start, lines.size()} : null;
    }

    private static List<String> existingLines(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new BerthConfigException(file.toString(), "Cannot read the Berth config " + file + " (" + e.getMessage()
                    + "); make it readable or set BERTH_HOME to another directory", e);
        }
    }

    private static void write(Path file, List<String> lines) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".config", ".tmp",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, lines);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new BerthConfigException(file.toString(), "Cannot write the Berth config " + file + " (" + e.getMessage()
                    + "); make its directory writable or set BERTH_HOME to another directory", e);
        }
    }

    public Path file() {
        return file;
    }

    public Optional<Profile> profile(String name) {
        return Optional.ofNullable(profiles.get(name));
    }

    public Set<String> names() {
        return profiles.keySet();
    }
}

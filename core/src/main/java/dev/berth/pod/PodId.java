package dev.berth.pod;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.berth.InvalidSpecException;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * The id of one pod: {@code p} and eleven lowercase letters or digits, so that {@code <id>-<port>} is a
 * single DNS label of a pod's URL.
 */
public record PodId(String value) {
    private static final Pattern FORMAT = Pattern.compile("p[a-z0-9]{11}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    public PodId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new InvalidSpecException("id",
                    "Invalid pod id '" + value + "'; a pod id is 'p' and 11 lowercase letters or digits, as printed by 'berth container list'");
        }
    }

    @JsonCreator
    public static PodId of(String value) {
        return new PodId(value);
    }

    /** A new random id (57 bits of entropy). */
    public static PodId random() {
        char[] chars = new char[12];
        chars[0] = 'p';
        for (int i = 1; i < chars.length; i++) {
            chars[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new PodId(new String(chars));
    }

    /** Whether a string has the shape of a pod id (deployment names must not, or URLs would clash). */
    public static boolean looksLikePodId(String value) {
        return value != null && FORMAT.matcher(value).matches();
    }

    @JsonValue
    @Override
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}

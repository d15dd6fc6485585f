package dev.berth.route;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The access token of an {@code authorized} pod or deployment: 256 random bits, shown to its creator once;
 * the platform keeps only its SHA-256 ({@link #hash}), which a router compares in constant time
 * ({@link #matches}).
 *
 * <p>Deliberately not the platform's API token: a pod runs untrusted code and sees what reaches it, so the
 * credential that opens a pod must not be one that drives the API.
 */
public final class AuthToken {
    /** The prefix of every pod token, so a leaked one is recognisable (secret scanners, logs). */
    public static final String PREFIX = "bpt_";
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AuthToken() {
    }

    /** A new random token: {@code bpt_} and 43 base64url characters (256 bits). */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The lowercase hex SHA-256 of the token's UTF-8 bytes: what records and routes keep. */
    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /**
     * Whether {@code presented} is the token of {@code expectedHash}; the comparison of the hashes takes the
     * same time wherever they differ. {@code false} for a {@code null} token or hash.
     */
    public static boolean matches(String presented, String expectedHash) {
        if (presented == null || expectedHash == null) {
            return false;
        }
        return MessageDigest.isEqual(hash(presented).getBytes(StandardCharsets.US_ASCII),
                expectedHash.getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether {@code value} has the shape of a {@link #hash} (64 lowercase hex digits). */
    public static boolean isHash(String value) {
        return value != null && HASH.matcher(value).matches();
    }
}

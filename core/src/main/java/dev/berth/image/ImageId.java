package dev.berth.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.berth.InvalidSpecException;
import dev.berth.internal.Json;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The content hash of an {@link ImageSpec}: sha256 of its canonical JSON, as 64 hex digits. The same spec
 * always has the same id, so an image is never built twice.
 */
public record ImageId(String value) {
    private static final Pattern FORMAT = Pattern.compile("[a-f0-9]{64}");

    public ImageId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new InvalidSpecException("imageId", "Invalid image id '" + value + "'; an image id is 64 lowercase hex digits");
        }
    }

    @JsonCreator
    public static ImageId of(String value) {
        return new ImageId(value);
    }

    /** The id of a spec: sha256 over its canonical JSON (sorted keys; lists keep their order). */
    public static ImageId of(ImageSpec spec) {
        try {
            byte[] canonical = Json.CANONICAL.writeValueAsBytes(spec);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical);
            return new ImageId(HexFormat.of().formatHex(digest));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("Cannot hash image spec", e);
        }
    }

    /** The first 12 hex digits, for tags and display. */
    public String shortValue() {
        return value.substring(0, 12);
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

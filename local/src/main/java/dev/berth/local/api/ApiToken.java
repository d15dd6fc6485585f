package dev.berth.local.api;

import dev.berth.BerthServiceException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token of the local API, kept in {@code $BERTH_HOME/token}: 32 random bytes, base64url without
 * padding. The file is readable by its owner only (0600) in a directory only its owner can enter (0700):
 * whoever can read it controls every pod, so the permission is the access control.
 *
 * <p>{@link #matches(String)} compares in constant time; {@link #toString()} never shows the token.
 * Immutable and thread-safe.
 */
public final class ApiToken {
    /** The token's file name under {@code $BERTH_HOME}. */
    public static final String FILE_NAME = "token";

    private static final Logger LOG = LoggerFactory.getLogger(ApiToken.class);
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final int TOKEN_BYTES = 32;
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final String value;
    private final byte[] digest;

    private ApiToken(Path file, String value) {
        this.file = file;
        this.value = value;
        this.digest = sha256(value);
    }

    /**
     * Reads the token from {@code berthHome/token}, creating the directory (0700) and a new token (0600) if
     * there is none. A file or directory with a wider mode is narrowed.
     *
     * @throws BerthServiceException if the file cannot be read or written, or holds something else than a token
     */
    public static ApiToken loadOrCreate(Path berthHome) {
        Path home = berthHome.toAbsolutePath();
        Path file = home.resolve(FILE_NAME);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try {
            if (posix) {
                Files.createDirectories(home, PosixFilePermissions.asFileAttribute(DIR_MODE));
                narrow(home, DIR_MODE);
            } else {
                Files.createDirectories(home);
            }
            if (!Files.exists(file)) {
                create(file, posix);
            }
            if (posix) {
                narrow(file, FILE_MODE);
            }
            String value = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!FORMAT.matcher(value).matches()) {
                throw new BerthServiceException("The API token file " + file + " does not hold a Berth token (43 base64url characters);"
                        + " delete it and restart Berth to generate a new token", null);
            }
            return new ApiToken(file, value);
        } catch (IOException e) {
            throw new BerthServiceException("Cannot read or create the API token " + file + ": " + e.getMessage()
                    + "; check that BERTH_HOME (" + home + ") is a directory you own", e);
        }
    }

    /**
     * Writes a new token to a private temporary file, then links it into place: the token file appears
     * complete and with mode 0600 from its first instant, and a concurrent creator's token is never replaced.
     */
    private static void create(Path file, boolean posix) throws IOException {
        byte[] bytes = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Path temp = file.resolveSibling(FILE_NAME + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        try {
            try (FileChannel channel = posix
                    ? FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(FILE_MODE))
                    : FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.US_ASCII)));
                channel.force(true);
            }
            try {
                Files.createLink(file, temp);
                LOG.info("Created a new API token in {}", file);
            } catch (FileAlreadyExistsException e) {
                LOG.debug("Another process created the API token {} first; using it", file);
            } catch (UnsupportedOperationException e) {
                // No hard links on this file system: a move that fails if the target exists is the next best.
                try {
                    Files.move(temp, file);
                } catch (FileAlreadyExistsException raced) {
                    LOG.debug("Another process created the API token {} first; using it", file);
                }
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void narrow(Path path, Set<PosixFilePermission> mode) throws IOException {
        Set<PosixFilePermission> actual = Files.getPosixFilePermissions(path);
        if (!actual.equals(mode)) {
            Files.setPosixFilePermissions(path, mode);
            LOG.warn("{} had mode {}; set it to {} so that only its owner can use the API token", path,
                    PosixFilePermissions.toString(actual), PosixFilePermissions.toString(mode));
        }
    }

    /** Whether {@code presented} is this token. Constant time in the content and length of both. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(presented));
    }

    /** The token itself, for a client to send. Never log it. */
    public String value() {
        return value;
    }

    /** The file that holds the token. */
    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "ApiToken[file=" + file + ", value=<hidden>]";
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}

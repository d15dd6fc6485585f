package dev.berth.functions.image.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a gzipped ustar archive in memory: the build context the stack's CodeBuild buildspec unpacks with
 * {@code tar -xzf}. Regular files only (mode 0644, owner 0, mtime 0), in the map's order, so the same context
 * gives the same bytes.
 */
public final class TarGz {
    private static final int BLOCK = 512;

    private TarGz() {
    }

    /**
     * A gzipped archive of regular files.
     *
     * @throws IllegalArgumentException for a path ustar cannot hold (over 255 bytes, or no '/' to split it at)
     */
    public static byte[] of(Map<String, byte[]> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                byte[] content = file.getValue();
                out.write(header(file.getKey(), content.length));
                out.write(content);
                out.write(new byte[(BLOCK - content.length % BLOCK) % BLOCK]);
            }
            out.write(new byte[2 * BLOCK]);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the build context archive", e);
        }
        return bytes.toByteArray();
    }

    private static byte[] header(String path, long size) {
        byte[] h = new byte[BLOCK];
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        byte[] prefix = new byte[0];
        if (name.length > 100) {
            int split = path.lastIndexOf('/', Math.min(path.length() - 1, 155));
            if (split <= 0 || path.substring(split + 1).getBytes(StandardCharsets.UTF_8).length > 100
                    || path.substring(0, split).getBytes(StandardCharsets.UTF_8).length > 155) {
                throw new IllegalArgumentException("Path '" + path + "' is too long for the build context archive (ustar: at most 100 bytes"
                        + " of file name after a directory prefix of at most 155); shorten it");
            }
            prefix = path.substring(0, split).getBytes(StandardCharsets.UTF_8);
            name = path.substring(split + 1).getBytes(StandardCharsets.UTF_8);
        }
        System.arraycopy(name, 0, h, 0, name.length);
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, 0);
        h[156] = '0';
        byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, h, 257, magic.length);
        System.arraycopy(prefix, 0, h, 345, prefix.length);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        return h;
    }

    private static void octal(byte[] h, int offset, int length, long value) {
        String s = Long.toOctalString(value);
        if (s.length() > length - 1) {
            throw new IllegalArgumentException("Value too large for a tar header: " + value);
        }
        s = "0".repeat(length - 1 - s.length()) + s;
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, offset, b.length);
        h[offset + length - 1] = 0;
    }
}

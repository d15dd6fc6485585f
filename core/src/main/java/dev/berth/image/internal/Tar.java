package dev.berth.image.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes a small ustar archive in memory: the build context a container build takes (Docker's API, CodeBuild's tar). */
public final class Tar {
    private static final int BLOCK = 512;

    private Tar() {
    }

    /**
     * An archive of regular files (mode 0644), in the map's order; the same map always gives the same bytes.
     *
     * @throws IllegalArgumentException for a path ustar cannot hold (over 255 bytes, or no '/' to split it at)
     */
    public static byte[] of(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            byte[] content = file.getValue();
            out.writeBytes(header(file.getKey(), content.length));
            out.writeBytes(content);
            out.writeBytes(new byte[(BLOCK - content.length % BLOCK) % BLOCK]);
        }
        out.writeBytes(new byte[2 * BLOCK]);
        return out.toByteArray();
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

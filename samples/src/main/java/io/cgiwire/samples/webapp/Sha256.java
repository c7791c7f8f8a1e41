package io.cgiwire.samples.webapp;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A running SHA-256 and byte count, answered as "hex count". */
final class Sha256 {
    private final MessageDigest digest;
    private long count;

    Sha256() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    void update(byte[] bytes, int offset, int length) {
        digest.update(bytes, offset, length);
        count += length;
    }

    /** Reads {@code in} to its end (it is not closed). */
    Sha256 readAll(InputStream in) throws IOException {
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) != -1; ) {
            update(buffer, 0, n);
        }
        return this;
    }

    long count() {
        return count;
    }

    /** The hex digest; call once. */
    String hex() {
        return HexFormat.of().formatHex(digest.digest());
    }
}

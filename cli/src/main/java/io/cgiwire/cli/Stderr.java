package io.cgiwire.cli;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * stderr, shared by the backend's FCGI_STDERR bytes and this command's own lines: a line of ours starts on a line of
 * its own even when the backend's last message did not end in a newline (php-fpm's do not).
 */
final class Stderr extends PrintStream {
    private int last = '\n';

    Stderr(OutputStream out) {
        super(out, true);
    }

    static Stderr of(PrintStream stream) {
        return stream instanceof Stderr s ? s : new Stderr(stream);
    }

    @Override
    public void write(int b) {
        super.write(b);
        last = b;
    }

    @Override
    public void write(byte[] buf, int off, int len) {
        super.write(buf, off, len);
        if (len > 0) {
            last = buf[off + len - 1];
        }
    }

    @Override
    public void println(String line) {
        if (last != '\n') {
            write('\n');
        }
        super.println(line);
        last = '\n';
    }
}

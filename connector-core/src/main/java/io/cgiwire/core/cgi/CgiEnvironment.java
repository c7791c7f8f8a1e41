package io.cgiwire.core.cgi;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The CGI variables of one request, in the order the web server sent them, repeated names kept.
 *
 * <p>Names and values are the wire bytes read as ISO-8859-1, one char per byte, so nothing is lost and a value can be
 * turned back into its exact bytes. Front servers repeat names (nginx 1.22 sends a header given twice as two
 * {@code HTTP_*} pairs; a user's {@code fastcgi_param} may repeat one of the defaults): {@link #get(String)} returns
 * the last, as PHP-FPM does, and {@link CgiRequestMapper} merges repeated {@code HTTP_*} pairs into one header.
 *
 * <p>Not thread-safe: a decoder fills it, then hands it over.
 */
public final class CgiEnvironment {
    private String[] names;
    private String[] values;
    private int size;

    /** An empty environment. */
    public CgiEnvironment() {
        this(32);
    }

    /** An empty environment with room for {@code expectedSize} variables before it grows. */
    public CgiEnvironment(int expectedSize) {
        int capacity = Math.max(expectedSize, 4);
        names = new String[capacity];
        values = new String[capacity];
    }

    /** Appends a variable; a repeated name is kept as a second pair. */
    public void add(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size] = value;
        size++;
    }

    /** The number of pairs, repeated names counted each time. */
    public int size() {
        return size;
    }

    /** The name of pair {@code index}, in wire order. */
    public String name(int index) {
        Objects.checkIndex(index, size);
        return names[index];
    }

    /** The value of pair {@code index}, in wire order. */
    public String value(int index) {
        Objects.checkIndex(index, size);
        return values[index];
    }

    /** The value of the last pair called {@code name}, or null if there is none. */
    public String get(String name) {
        for (int i = size - 1; i >= 0; i--) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }

    /** The variables as a map, later pairs replacing earlier ones of the same name, in first-seen order. */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            map.put(names[i], values[i]);
        }
        return map;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CgiEnvironment)) {
            return false;
        }
        CgiEnvironment other = (CgiEnvironment) o;
        return size == other.size
                && Arrays.equals(names, 0, size, other.names, 0, size)
                && Arrays.equals(values, 0, size, other.values, 0, size);
    }

    @Override
    public int hashCode() {
        int h = size;
        for (int i = 0; i < size; i++) {
            h = 31 * h + names[i].hashCode();
            h = 31 * h + values[i].hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("CgiEnvironment{");
        for (int i = 0; i < size; i++) {
            s.append(i == 0 ? "" : ", ").append(names[i]).append('=').append(values[i]);
        }
        return s.append('}').toString();
    }
}

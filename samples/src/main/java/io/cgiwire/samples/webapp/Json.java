package io.cgiwire.samples.webapp;

import java.util.Iterator;
import java.util.Map;

/** Just enough JSON for {@code /dump}: every string escaped, the output plain ASCII. */
final class Json {
    private Json() {
    }

    static String string(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    // Control characters must be escaped (RFC 8259 section 7); escaping everything above ASCII too
                    // keeps the output valid whatever the response charset, lone surrogates included.
                    if (c < 0x20 || c >= 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    static String strings(Iterable<String> values) {
        StringBuilder out = new StringBuilder("[");
        for (Iterator<String> it = values.iterator(); it.hasNext(); ) {
            out.append(string(it.next()));
            if (it.hasNext()) {
                out.append(',');
            }
        }
        return out.append(']').toString();
    }

    /** An array of values that are JSON already. */
    static String array(Iterable<String> json) {
        return "[" + String.join(",", json) + "]";
    }

    /** An object whose member values are JSON already, in the map's order. */
    static String object(Map<String, String> members) {
        StringBuilder out = new StringBuilder("{");
        for (Iterator<Map.Entry<String, String>> it = members.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> member = it.next();
            out.append(string(member.getKey())).append(':').append(member.getValue());
            if (it.hasNext()) {
                out.append(',');
            }
        }
        return out.append('}').toString();
    }
}

package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServletRequest;

/** Numeric query parameters; a bad value is an {@link IllegalArgumentException} whose message goes in the 400. */
final class Query {
    private Query() {
    }

    static long number(HttpServletRequest request, String name, long min, long max) {
        String value = request.getParameter(name);
        if (value == null) {
            throw new IllegalArgumentException(name + " is required (" + min + ".." + max + ")");
        }
        return parse(name, value, min, max);
    }

    static long number(HttpServletRequest request, String name, long defaultValue, long min, long max) {
        String value = request.getParameter(name);
        return value == null ? defaultValue : parse(name, value, min, max);
    }

    private static long parse(String name, String value, long min, long max) {
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number (" + min + ".." + max + ")");
        }
        if (number < min || number > max) {
            throw new IllegalArgumentException(name + " must be in " + min + ".." + max);
        }
        return number;
    }
}

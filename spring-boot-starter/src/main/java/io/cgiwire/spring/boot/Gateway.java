package io.cgiwire.spring.boot;

/** The two gateway protocols, as the properties and the logs name them. */
enum Gateway {
    FCGI("FastCGI", "fcgi"),
    SCGI("SCGI", "scgi");

    final String displayName;
    /** The property group under {@code cgiwire.}, and the {@code protocol} tag of the meters. */
    final String key;

    Gateway(String displayName, String key) {
        this.displayName = displayName;
        this.key = key;
    }

    String property(String name) {
        return "cgiwire." + key + "." + name;
    }
}

package io.cgiwire.samples.webapp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void escapesWhatJsonRequires() {
        assertEquals("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0000\\u001f\"", Json.string("a\"b\\c\n\r\t\b\f\u0000\u001f"));
    }

    @Test
    void writesPlainAsciiWhateverTheInput() {
        assertEquals("\"\\u00e9\\u007f\\ud83d\\ude00\\ud800\"", Json.string("é\u007f😀\ud800"));
    }

    @Test
    void nullIsNull() {
        assertEquals("null", Json.string(null));
    }

    @Test
    void readsBackAsWritten() {
        String tricky = "q\"uote \\ slash / tab\t nul\u0000 é 😀 \u2028";
        String json = Json.object(Map.of("k\n", Json.strings(List.of(tricky, ""))));
        assertEquals(Map.of("k\n", List.of(tricky, "")), MiniJson.parse(json));
    }

    @Test
    void emptyContainers() {
        assertEquals("{}", Json.object(Map.of()));
        assertEquals("[]", Json.strings(List.of()));
        assertEquals("[]", Json.array(List.of()));
    }
}

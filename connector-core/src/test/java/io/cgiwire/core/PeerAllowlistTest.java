package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PeerAllowlistTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1                    | 127.0.0.1         | true",
        "127.0.0.1                    | 127.0.0.2         | false",
        "127.0.0.1                    | ::ffff:127.0.0.1  | true",
        "10.0.0.0/8                   | 10.255.1.2        | true",
        "10.0.0.0/8                   | 11.0.0.1          | false",
        "192.168.1.128/25             | 192.168.1.200     | true",
        "192.168.1.128/25             | 192.168.1.100     | false",
        "0.0.0.0/0                    | 203.0.113.9       | true",
        "::1                          | ::1               | true",
        "::1                          | 127.0.0.1         | false",
        "fd00::/8                     | fd12:3456::1      | true",
        "fd00::/8                     | fe80::1           | false",
        "'127.0.0.1, 10.1.2.3 ::1'    | 10.1.2.3          | true",
        "'127.0.0.1,10.1.2.3'         | 10.1.2.4          | false",
    })
    void allows(String list, String peer, boolean allowed) throws Exception {
        assertEquals(allowed, PeerAllowlist.parse(list).allows(InetAddress.getByName(peer)), list + " / " + peer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "10.0.0.0/33", "::1/129", "10.0.0/8", "1.2.3.4/x", "example.com/8", "1.2.3.4/",
        "1.2.3.999", "010.0.0.1"})
    void refusesWhatIsNotAnAddressOrRange(String entry) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerAllowlist.parse(entry));
        assertTrue(e.getMessage().contains(entry), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", " , "})
    void emptyListsAreEmpty(String list) {
        assertTrue(PeerAllowlist.parse(list).isEmpty());
    }
}

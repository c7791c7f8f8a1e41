package io.cgiwire.samples.springboot;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** What the integration tests ask of the application through nginx. */
@RestController
class SampleController {

    @GetMapping(value = "/hello", produces = MediaType.TEXT_PLAIN_VALUE)
    String hello() {
        return "Hello from cgiwire on Spring Boot\n";
    }

    /** {@code n} bytes of a pattern the client can check: byte i is {@code i % 251}. */
    @GetMapping("/bytes")
    void bytes(@RequestParam int n, HttpServletResponse response) throws IOException {
        response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
        response.setContentLengthLong(n);
        byte[] chunk = new byte[8192];
        try (OutputStream out = response.getOutputStream()) {
            for (int sent = 0; sent < n; ) {
                int len = Math.min(chunk.length, n - sent);
                for (int i = 0; i < len; i++) {
                    chunk[i] = (byte) ((sent + i) % 251);
                }
                out.write(chunk, 0, len);
                sent += len;
            }
        }
    }

    /** Reads the whole body and answers its length and SHA-256. */
    @PostMapping(value = "/upload", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> upload(HttpServletRequest request) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        long length = 0;
        byte[] buffer = new byte[16384];
        try (InputStream in = request.getInputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, n);
                length += n;
            }
        }
        return Map.of("length", length, "sha256", HexFormat.of().formatHex(sha256.digest()));
    }

    /** Who the application thinks the client is, and how it was reached. */
    @GetMapping(value = "/client", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> client(HttpServletRequest request) {
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("remoteAddr", request.getRemoteAddr());
        client.put("remotePort", request.getRemotePort());
        client.put("scheme", request.getScheme());
        client.put("secure", request.isSecure());
        client.put("serverName", request.getServerName());
        client.put("serverPort", request.getServerPort());
        return client;
    }

    /** An absolute redirect to /hello, built from the request as applications do. */
    @GetMapping("/redirect")
    ResponseEntity<Void> redirect() {
        String location = ServletUriComponentsBuilder.fromCurrentContextPath().path("/hello").toUriString();
        return ResponseEntity.status(HttpStatus.FOUND).header(HttpHeaders.LOCATION, location).build();
    }

    /** {@code n} bytes written 1 KiB at a time, {@code ms} apart: a request that is in flight for a while. */
    @GetMapping("/slow")
    void slow(@RequestParam int n, @RequestParam long ms, HttpServletResponse response)
            throws IOException, InterruptedException {
        response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
        response.setContentLength(n);
        OutputStream out = response.getOutputStream();
        byte[] chunk = new byte[1024];
        for (int sent = 0; sent < n; sent += chunk.length) {
            out.write(chunk, 0, Math.min(chunk.length, n - sent));
            out.flush();
            Thread.sleep(ms);
        }
    }
}

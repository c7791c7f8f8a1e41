package io.cgiwire.samples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An ordinary Spring Boot application: nothing in its code knows about FastCGI or SCGI. cgiwire-spring-boot-starter
 * on the class path and {@code cgiwire.fcgi.port} / {@code cgiwire.scgi.port} in application.properties put it
 * behind nginx.
 */
@SpringBootApplication
public class SampleApplication {
    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}

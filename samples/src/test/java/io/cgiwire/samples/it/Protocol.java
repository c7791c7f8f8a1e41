package io.cgiwire.samples.it;

/** The gateway protocol between the front server and the backend. */
enum Protocol {
    FCGI,
    SCGI
}

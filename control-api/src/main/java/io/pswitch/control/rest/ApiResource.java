package io.pswitch.control.rest;

import io.javalin.config.RoutesConfig;

/**
 * One group of routes (ports, fdb, health, metrics, …). The server registers each; a later resource
 * (filters, log, packets) is one more implementation, plus its operations in {@code openapi.json}
 * (a test fails when the two disagree).
 */
public interface ApiResource {
    void register(RoutesConfig routes);
}

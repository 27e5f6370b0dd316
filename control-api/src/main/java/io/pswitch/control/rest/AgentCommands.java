package io.pswitch.control.rest;

import io.pswitch.dataplane.agent.SwitchAgent;
import io.pswitch.dataplane.agent.SwitchCommand;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends commands to the dataplane thread and waits (on the HTTP thread, never on the dataplane) for
 * the result. A dataplane that does not answer in time is the caller's 503, not a hung request.
 */
public final class AgentCommands {
    private final SwitchAgent agent;
    private final Duration timeout;

    public AgentCommands(SwitchAgent agent, Duration timeout) {
        this.agent = agent;
        this.timeout = timeout;
    }

    /** Queues the command and waits for its future. */
    public <T> T send(SwitchCommand command, CompletableFuture<T> result) {
        if (!agent.offer(command)) {
            throw ApiException.unavailable("the dataplane command queue is full: try again");
        }
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw ApiException.unavailable("the dataplane did not answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw ApiException.unavailable("the dataplane refused the command: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while waiting for the dataplane");
        }
    }
}

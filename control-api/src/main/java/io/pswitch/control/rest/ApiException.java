package io.pswitch.control.rest;

/** A request the API refuses: the status and a message for the caller that names the problem. */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, message);
    }
}

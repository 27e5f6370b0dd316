package io.pswitch.drivers.afxdp;

/** Why an AF_XDP socket or its XDP program could not be set up: one line, without the port's label (the factory adds it). */
final class XskFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    XskFailure(String reason) {
        super(reason);
    }
}

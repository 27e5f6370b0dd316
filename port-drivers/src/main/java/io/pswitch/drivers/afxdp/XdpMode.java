package io.pswitch.drivers.afxdp;

/** Where the XDP program runs: in the driver (native) or after the skb is built (generic); AUTO tries native first. */
enum XdpMode {
    AUTO("auto"),
    NATIVE("native"),
    GENERIC("generic");

    private final String label;

    XdpMode(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}

package io.pswitch.pktlog.filter;

/** A test frame: its captured bytes ({@code bytes.length} = caplen) and its length on the wire. */
record CapturedFrame(String origin, byte[] bytes, int wireLen) {
    int capLen() {
        return bytes.length;
    }
}

package io.pswitch.control.rest;

import io.pswitch.drivers.shm.ShmEndpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The far side of one {@code shm} port of a switch under test: the test attaches to the port's ring
 * file as its peer, as a local application would. Frames sent here are received by the switch;
 * frames the switch transmits on the port come out of {@link #received()}. Detaching takes the
 * port's link DOWN (the driver reports no peer), attaching again brings it UP.
 *
 * <p>One thread (the test's) sends and receives.
 */
public final class ShmWire implements AutoCloseable {
    private final String shmName;
    private ShmEndpoint endpoint;
    private final byte[] frame = new byte[16384];

    private ShmWire(String shmName) {
        this.shmName = shmName;
        this.endpoint = ShmEndpoint.attach(shmName);
    }

    /** Attaches to the shm port the running switch created as {@code NAME=shm:shmName}. */
    public static ShmWire attach(String shmName) {
        return new ShmWire(shmName);
    }

    public String shmName() {
        return shmName;
    }

    /** Sends each frame in order, waiting (up to 5 s) while the to-switch ring is full. */
    public void send(byte[]... frames) {
        for (byte[] f : frames) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!endpoint.send(f, 0, f.length)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the switch took no frame from shm port " + shmName + " for 5 s");
                }
                Thread.onSpinWait();
            }
        }
    }

    /** The frames the switch has transmitted on this port since the last call. */
    public List<byte[]> received() {
        List<byte[]> out = new ArrayList<>();
        int len;
        while ((len = endpoint.receive(frame)) >= 0) {
            out.add(Arrays.copyOf(frame, Math.min(len, frame.length)));
        }
        return out;
    }

    /** Detaches the peer: the switch's port goes DOWN, as when a cable is pulled. */
    public void detach() {
        endpoint.close();
    }

    /** Attaches again after {@link #detach()}: the port comes UP. */
    public void reattach() {
        endpoint = ShmEndpoint.attach(shmName);
    }

    @Override
    public void close() {
        endpoint.close();
    }

    /** An Ethernet II frame of {@code length} bytes from {@code src} to {@code dst} (last octets of 02:00:00:00:00:xx). */
    public static byte[] frame(int dst, int src, int length) {
        byte[] f = new byte[length];
        f[0] = 0x02;
        f[5] = (byte) dst;
        f[6] = 0x02;
        f[11] = (byte) src;
        f[12] = 0x08;
        f[13] = 0x00;
        return f;
    }

    public static byte[] broadcast(int src, int length) {
        byte[] f = frame(0, src, length);
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        return f;
    }
}

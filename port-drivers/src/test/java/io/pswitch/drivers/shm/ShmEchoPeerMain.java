package io.pswitch.drivers.shm;

/**
 * A peer for {@link ShmPeerProcessTest} that runs in its own JVM: attaches to the port named by
 * args[0], echoes args[1] frames back to the switch with the first byte after the Ethernet header
 * incremented, then detaches. Prints "attached" once attached and "done N" at the end.
 */
public final class ShmEchoPeerMain {
    private ShmEchoPeerMain() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[1]);
        try (ShmEndpoint peer = ShmEndpoint.attach(args[0])) {
            System.out.println("attached");
            System.out.flush();
            byte[] frame = new byte[peer.slotSize()];
            int echoed = 0;
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (echoed < count && System.nanoTime() < deadline) {
                int len = peer.receive(frame);
                if (len < 0) {
                    Thread.onSpinWait();
                    continue;
                }
                frame[14]++;
                while (!peer.send(frame, 0, len)) {
                    Thread.onSpinWait();
                }
                echoed++;
            }
            System.out.println("done " + echoed);
        }
    }
}

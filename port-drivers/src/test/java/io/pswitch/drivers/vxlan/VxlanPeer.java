package io.pswitch.drivers.vxlan;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;

/**
 * The other end of a {@code vxlan} port in tests: a plain Java UDP socket on loopback that sends
 * real VXLAN datagrams to the port and reads, without blocking, the ones the port sends.
 */
final class VxlanPeer implements AutoCloseable {
    private final DatagramChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(65536);

    VxlanPeer(String address) throws IOException {
        channel = DatagramChannel.open();
        // Room for a whole TX ring's burst: the port never waits for this socket to read.
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.bind(new InetSocketAddress(address, 0));
        channel.configureBlocking(false);
    }

    int port() throws IOException {
        return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    }

    /** A datagram: the two header words (network order), then {@code inner}. */
    static byte[] datagram(int flagsWord, int vniWord, byte[] inner) {
        ByteBuffer b = ByteBuffer.allocate(8 + inner.length).order(ByteOrder.BIG_ENDIAN);
        b.putInt(flagsWord).putInt(vniWord).put(inner);
        return b.array();
    }

    /** A well-formed VXLAN datagram for {@code vni}. */
    static byte[] vxlan(int vni, byte[] inner) {
        return datagram(VxlanHeaderDescriptor.VALID_FLAGS_WORD, vni << 8, inner);
    }

    void sendTo(int port, byte[] datagram) throws IOException {
        int n = channel.send(ByteBuffer.wrap(datagram), new InetSocketAddress("127.0.0.1", port));
        if (n != datagram.length) {
            throw new IOException("loopback send took " + n + " of " + datagram.length + " bytes");
        }
    }

    /** One datagram the port sent, or null when none is waiting. */
    Received receive() throws IOException {
        in.clear();
        InetSocketAddress from = (InetSocketAddress) channel.receive(in);
        if (from == null) {
            return null;
        }
        in.flip();
        return new Received(from, Arrays.copyOf(in.array(), in.limit()));
    }

    record Received(InetSocketAddress from, byte[] datagram) {
        int flagsWord() {
            return ByteBuffer.wrap(datagram).getInt(0);
        }

        int vniWord() {
            return ByteBuffer.wrap(datagram).getInt(4);
        }

        byte[] inner() {
            return Arrays.copyOfRange(datagram, 8, datagram.length);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

package io.pswitch.drivers.shm;

import static org.assertj.core.api.Assertions.assertThat;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A peer in another JVM exchanges frames with the switch side over the shared file. */
class ShmPeerProcessTest {
    @TempDir
    Path tmp;

    @Test
    void peerInAnotherProcessEchoesEveryFrameInOrder() throws Exception {
        int count = 2000;
        String name = ShmTestNames.unique("xproc");
        try (BufferPool pool = BufferPool.open(tmp.resolve("pool"), 2048, 512);
                ShmPort port = (ShmPort) new ShmPortFactory().open(PortSpec.parse("p0=shm:" + name + ",slots=32"),
                        new PortContext(pool, 64, 16))) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process peer = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    ShmEchoPeerMain.class.getName(), name, Integer.toString(count))
                    .redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("attached");
                assertThat(port.state()).isEqualTo(PortState.UP);

                Random r = new Random(7);
                List<byte[]> sent = new ArrayList<>();
                List<byte[]> echoed = new ArrayList<>();
                Ring tx = port.txRing();
                Ring rx = port.rxRing();
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (echoed.size() < count && System.nanoTime() < deadline) {
                    while (sent.size() < count && tx.userSlots() > 0) {
                        byte[] f = new byte[60 + r.nextInt(1400)];
                        r.nextBytes(f);
                        f[0] = 0x02;
                        int s = tx.head;
                        MemorySegment.copy(f, 0, pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(tx.bufIdx[s]), f.length);
                        tx.len[s] = f.length;
                        tx.head = tx.cur = tx.next(s);
                        sent.add(f);
                    }
                    port.txSync();
                    port.rxSync();
                    for (int s = rx.head; s != rx.tail; s = rx.next(s)) {
                        byte[] b = new byte[rx.len[s]];
                        MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(rx.bufIdx[s]), b, 0, b.length);
                        echoed.add(b);
                    }
                    rx.head = rx.cur = rx.tail;
                }
                assertThat(echoed).hasSize(count);
                for (int i = 0; i < count; i++) {
                    byte[] expected = sent.get(i).clone();
                    expected[14]++;
                    assertThat(echoed.get(i)).as("frame %d", i).isEqualTo(expected);
                }
                assertThat(out.readLine()).isEqualTo("done " + count);
                assertThat(peer.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(peer.exitValue()).isZero();
                assertThat(port.state()).as("the peer detached on exit").isEqualTo(PortState.DOWN);
            } finally {
                peer.destroyForcibly();
            }
        }
    }
}

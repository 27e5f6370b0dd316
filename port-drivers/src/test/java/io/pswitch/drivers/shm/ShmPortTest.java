package io.pswitch.drivers.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pswitch.dataplane.port.PortContext;
import io.pswitch.dataplane.port.PortOpenException;
import io.pswitch.dataplane.port.PortSpec;
import io.pswitch.dataplane.port.PortState;
import io.pswitch.dataplane.ring.Ring;
import io.pswitch.pktlog.pool.BufferPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShmPortTest {
    @TempDir
    Path tmp;
    BufferPool pool;

    @BeforeEach
    void openPool() {
        pool = BufferPool.open(tmp.resolve("pool"), 2048, 256);
    }

    @AfterEach
    void closePool() {
        pool.close();
    }

    private ShmPort open(String name, String options) {
        return (ShmPort) new ShmPortFactory().open(PortSpec.parse("p0=shm:" + name + options), new PortContext(pool, 16, 8));
    }

    private void put(Ring tx, int seq, int len) {
        int s = tx.head;
        MemorySegment buf = pool.segment().asSlice(pool.offset(tx.bufIdx[s]), len);
        buf.fill((byte) seq);
        buf.set(ValueLayout.JAVA_INT_UNALIGNED, 0, seq);
        tx.len[s] = len;
        tx.head = tx.cur = tx.next(s);
    }

    @Test
    void keepsOrderAcrossManyWrapArounds() {
        String name = ShmTestNames.unique("wrap");
        try (ShmPort port = open(name, ",slots=4,slotsize=256"); ShmEndpoint peer = ShmEndpoint.attach(name)) {
            // Peer → switch: uneven batches through a 4-slot ring wrap it hundreds of times.
            int sent = 0;
            int received = 0;
            byte[] frame = new byte[200];
            Ring rx = port.rxRing();
            while (received < 1000) {
                int k = peer.claim(Math.min(3, 1000 - sent));
                for (int i = 0; i < k; i++) {
                    peer.segment().set(ValueLayout.JAVA_INT_UNALIGNED, peer.claimedOffset(i), sent + i);
                    peer.claimedLength(i, 60 + (sent + i) % 100);
                }
                peer.commit(k);
                sent += k;
                port.rxSync();
                for (int s = rx.head; s != rx.tail; s = rx.next(s)) {
                    assertThat(pool.segment().get(ValueLayout.JAVA_INT_UNALIGNED, pool.offset(rx.bufIdx[s]))).isEqualTo(received);
                    assertThat(rx.len[s]).isEqualTo(60 + received % 100);
                    received++;
                }
                rx.head = rx.cur = rx.tail;
            }
            // Switch → peer the same way.
            Ring tx = port.txRing();
            int queued = 0;
            int got = 0;
            while (got < 1000) {
                for (int i = 0; i < 3 && queued < 1000 && tx.userSlots() > 0; i++) {
                    put(tx, queued++, 64);
                }
                port.txSync();
                int n = peer.poll(2);
                for (int i = 0; i < n; i++) {
                    assertThat(peer.segment().get(ValueLayout.JAVA_INT_UNALIGNED, peer.frameOffset(i))).isEqualTo(got++);
                }
                peer.release(n);
            }
            assertThat(peer.receive(frame)).isEqualTo(-1);
        }
    }

    @Test
    void frameLongerThanAPoolBufferArrivesTruncatedWithItsFullLength() {
        String name = ShmTestNames.unique("oversize");
        try (ShmPort port = open(name, ",slotsize=4096"); ShmEndpoint peer = ShmEndpoint.attach(name)) {
            byte[] giant = new byte[3000];
            for (int i = 0; i < giant.length; i++) {
                giant[i] = (byte) i;
            }
            assertThat(peer.send(giant, 0, giant.length)).isTrue();
            assertThat(port.rxSync()).isEqualTo(1);
            Ring rx = port.rxRing();
            assertThat(rx.len[rx.head]).as("full length, so the switch drops it as oversize").isEqualTo(3000);
            byte[] stored = new byte[2048];
            MemorySegment.copy(pool.segment(), ValueLayout.JAVA_BYTE, pool.offset(rx.bufIdx[rx.head]), stored, 0, 2048);
            assertThat(stored).isEqualTo(java.util.Arrays.copyOf(giant, 2048));
        }
    }

    @Test
    void portIsDownAndDiscardsTransmitsWhileNoPeerIsAttached() {
        String name = ShmTestNames.unique("down");
        try (ShmPort port = open(name, "")) {
            assertThat(port.state()).isEqualTo(PortState.DOWN);
            put(port.txRing(), 1, 64);
            assertThat(port.txSync()).isZero();
            assertThat(port.txDiscarded()).isEqualTo(1);
            assertThat(port.txRing().userSlots()).isEqualTo(15);
            try (ShmEndpoint peer = ShmEndpoint.attach(name)) {
                assertThat(port.state()).isEqualTo(PortState.UP);
                put(port.txRing(), 2, 64);
                assertThat(port.txSync()).isEqualTo(1);
                byte[] b = new byte[64];
                assertThat(peer.receive(b)).isEqualTo(64);
                assertThat(b[4]).isEqualTo((byte) 2);
            }
            assertThat(port.state()).isEqualTo(PortState.DOWN);
        }
    }

    @Test
    void attachingWithoutASwitchSaysSo() {
        String name = ShmTestNames.unique("absent");
        assertThatThrownBy(() -> ShmEndpoint.attach(name))
                .isInstanceOf(ShmAttachException.class)
                .hasMessageStartingWith("no shm port '" + name + "': is the switch running?");
    }

    @Test
    void attachingAfterTheSwitchClosedThePortSaysSo() {
        String name = ShmTestNames.unique("closed");
        ShmPort port = open(name, "");
        Path file = port.path();
        port.close();
        port.close();
        assertThat(file).doesNotExist();
        assertThatThrownBy(() -> ShmEndpoint.attach(name)).hasMessageStartingWith("no shm port '" + name + "'");
    }

    @Test
    void aSecondPeerIsRefusedWhileTheFirstIsAttached() {
        String name = ShmTestNames.unique("twopeers");
        try (ShmPort port = open(name, ""); ShmEndpoint first = ShmEndpoint.attach(name)) {
            assertThatThrownBy(() -> ShmEndpoint.attach(name))
                    .isInstanceOf(ShmAttachException.class)
                    .hasMessageContaining("already has a peer attached");
            first.close();
            try (ShmEndpoint second = ShmEndpoint.attach(name)) {
                assertThat(second.switchAttached()).isTrue();
            }
        }
    }

    @Test
    void badNamesAndOptionsAreRefusedWithAMessage() {
        assertThatThrownBy(() -> ShmEndpoint.attach("../etc")).isInstanceOf(ShmAttachException.class).hasMessageContaining("shm name");
        assertThatThrownBy(() -> open("x", ",slots=3")).isInstanceOf(PortOpenException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> open("x", ",slotsize=abc")).isInstanceOf(PortOpenException.class).hasMessageContaining("not a whole number");
        assertThatThrownBy(() -> open("x", ",speed=10")).isInstanceOf(PortOpenException.class).hasMessageContaining("speed");
    }

    @Test
    void aPortInUseByARunningSwitchIsRefused() {
        String name = ShmTestNames.unique("inuse");
        try (ShmPort port = open(name, "")) {
            assertThatThrownBy(() -> open(name, "")).isInstanceOf(PortOpenException.class).hasMessageContaining("in use by the switch");
            assertThat(port.state()).isEqualTo(PortState.DOWN);
        }
    }

    @Test
    void aFileLeftByADeadSwitchIsReinitialised() throws Exception {
        String name = ShmTestNames.unique("stale");
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path path = ShmFiles.path(name);
        long size = ShmRingDescriptor.fileSize(8, 128);
        Files.write(path, new byte[(int) size]);
        long oldSession;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = ShmFiles.map(path, size, arena);
            ShmRingDescriptor.writeHeader(old, 8, 128, dead.pid(), 0, 42L, 0);
            old.set(ValueLayout.JAVA_LONG, ShmRingDescriptor.TO_SWITCH_PRODUCER_OFFSET, 5L); // frames nobody will read
            oldSession = ShmRingDescriptor.sessionId(old);
        }
        assertThatThrownBy(() -> ShmEndpoint.attach(name)).hasMessageContaining("has gone");
        try (ShmPort port = open(name, ",slots=16"); ShmEndpoint peer = ShmEndpoint.attach(name)) {
            assertThat(peer.slotCount()).isEqualTo(16);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment fresh = ShmFiles.map(path, ShmRingDescriptor.fileSize(16, 2048), arena);
                assertThat(ShmRingDescriptor.sessionId(fresh)).isNotEqualTo(oldSession);
                assertThat(ShmRingDescriptor.switchPid(fresh)).isEqualTo(ProcessHandle.current().pid());
            }
            assertThat(port.rxSync()).as("the dead switch's frames are gone").isZero();
        }
    }
}
